package officialapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/guard"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/httpapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

const (
	staticPrefix = "/mlflow"
	// startMillis is the registry clock at the start of every test.
	startMillis int64 = 1_760_000_000_000
)

// env is a database with MLflow's schema (its workspaces table included)
// and the sidecar's MCP tables, and an HTTP server assembled as the sidecar
// assembles its routes: the native registry API and the official API
// behind the own-route middleware with workspaces on, the token routes
// without authentication, everything else to a stand-in for MLflow.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *mlflowdb.DB
	reg   *mcpregistry.Registry
	srv   *httptest.Server
	now   atomic.Int64 // the registry's and the tokens' clock, epoch ms
	mode  atomic.Int32 // officialapi.AuthMode
	users atomic.Bool  // authenticate every request as "alice" (AuthOn)
}

func newEnv(t testing.TB, uri mlflowdb.URI) *env {
	t.Helper()
	dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112)
	e := &env{t: t, db: dbtest.Migrated(t, uri)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	e.ctx = ctx
	e.now.Store(startMillis)
	clock := func() time.Time { return time.UnixMilli(e.now.Load()) }
	e.reg = mcpregistry.New(mcpregistry.Config{Store: store.New(e.db), Clock: clock})
	h, err := officialapi.New(e.reg, officialapi.Options{
		StaticPrefix: staticPrefix, Clock: clock,
		Auth: func() officialapi.AuthMode { return officialapi.AuthMode(e.mode.Load()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	router, err := proxy.NewRouter(staticPrefix, upstream)
	if err != nil {
		t.Fatal(err)
	}
	origin := guard.NewOriginRule(guard.OriginConfig{})
	own := sidecar.OwnOptions{Workspaces: workspaces.NewResolver(true, e.db), Auth: testAuth{e}, MaxBodyBytes: 1 << 20}
	anonymous := own
	anonymous.Auth = nil
	native := origin.Wrap(sidecar.Own(httpapi.Handler(e.reg, httpapi.Options{StaticPrefix: staticPrefix}), own))
	for _, p := range httpapi.Prefixes {
		e.handle(router, proxy.Route{Name: "native " + p, Path: p, Subtree: true, Handler: native})
	}
	for _, p := range officialapi.Prefixes {
		for _, a := range officialapi.AuthPaths {
			e.handle(router, proxy.Route{Name: "official " + p + a, Path: p + a, Subtree: true, Placement: proxy.Anywhere,
				Handler: origin.Wrap(sidecar.Own(h, anonymous))})
		}
		e.handle(router, proxy.Route{Name: "official " + p, Path: p, Subtree: true, Placement: proxy.Anywhere,
			Handler: origin.Wrap(sidecar.Own(h, own))})
	}
	e.srv = httptest.NewServer(router)
	t.Cleanup(e.srv.Close)
	e.exec(`INSERT INTO workspaces (name) VALUES ('team-a')`)
	return e
}

func (e *env) handle(router *proxy.Router, r proxy.Route) {
	e.t.Helper()
	if err := router.Handle(r); err != nil {
		e.t.Fatal(err)
	}
}

// mlflowPAT is a credential the stand-in for MLflow accepts as a Bearer
// token.
const mlflowPAT = "mlflow-pat-of-alice"

// testAuth stands in for the sidecar's authentication: in AuthOn mode a
// request needs "Authorization: Basic ..." (any) or "Bearer <mlflowPAT>",
// and acts as alice.
type testAuth struct{ e *env }

func (a testAuth) Authenticate(w http.ResponseWriter, r *http.Request) (*string, bool, error) {
	if officialapi.AuthMode(a.e.mode.Load()) != officialapi.AuthOn {
		return nil, false, nil
	}
	if h := r.Header.Get("Authorization"); !strings.HasPrefix(h, "Basic ") && h != "Bearer "+mlflowPAT {
		w.WriteHeader(http.StatusUnauthorized)
		return nil, true, nil
	}
	alice := "alice"
	scope.MarkAuthenticated(r.Context())
	return &alice, false, nil
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if err := e.db.Write(e.ctx, func(q mlflowdb.Querier) error {
		_, err := q.Exec(e.ctx, sql, args...)
		return err
	}); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// advance moves the clock on by ms.
func (e *env) advance(ms int64) { e.now.Add(ms) }

func serverJSON(name, version string) []byte {
	return []byte(fmt.Sprintf(`{"$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",`+
		`"name":%q,"description":"Test server %s","version":%q,`+
		`"remotes":[{"type":"streamable-http","url":"https://mcp.example.com/%s"}]}`, name, name, version, version))
}

// version registers a version through the registry (as the native API
// would) and moves it to status: drafts stay drafts, deprecated and
// deleted go through active (and deprecated).
func (e *env) version(ws, name, version string, status mcpregistry.Status) {
	e.t.Helper()
	initial := string(mcpregistry.StatusActive)
	if status == mcpregistry.StatusDraft {
		initial = string(mcpregistry.StatusDraft)
	}
	a := scope.Scope{Workspace: ws}
	in := mcpregistry.CreateVersionInput{ServerJSON: serverJSON(name, version), Status: &initial}
	if _, err := e.reg.CreateVersion(e.ctx, a, name, in); err != nil {
		e.t.Fatalf("registering %s %s in %s: %v", name, version, ws, err)
	}
	if status == mcpregistry.StatusDeprecated || status == mcpregistry.StatusDeleted {
		dep := string(mcpregistry.StatusDeprecated)
		if _, err := e.reg.UpdateVersion(e.ctx, a, name, version, mcpregistry.VersionPatch{Status: &dep}); err != nil {
			e.t.Fatal(err)
		}
	}
	if status == mcpregistry.StatusDeleted {
		if err := e.reg.DeleteVersion(e.ctx, a, name, version); err != nil {
			e.t.Fatal(err)
		}
	}
}

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; ws "" sends no workspace header, headers are
// "Key: value" pairs.
func (e *env) do(method, path, ws string, body []byte, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ws != "" {
		req.Header.Set(scope.WorkspaceHeader, ws)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// get fetches path and requires a 200.
func (e *env) get(path, ws string) []byte {
	e.t.Helper()
	r := e.do(http.MethodGet, path, ws, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.body
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
