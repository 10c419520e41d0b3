package tracking_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/httpapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

const staticPrefix = "/mlflow"

// serve assembles the routes as the sidecar does: the trace routes and the
// registry subtree (trace listings dispatched first) behind the own-route
// middleware, with workspaces on; everything else goes to a stand-in for
// MLflow that answers 299.
func serve(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	router, err := proxy.NewRouter(staticPrefix, upstream)
	if err != nil {
		t.Fatal(err)
	}
	own := sidecar.OwnOptions{Workspaces: workspaces.NewResolver(true, f.db), MaxBodyBytes: 1 << 20}
	links := tracking.NewHandler(f.svc, tracking.HandlerOptions{StaticPrefix: staticPrefix})
	registry := httpapi.Handler(f.reg, httpapi.Options{StaticPrefix: staticPrefix})
	subtree := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if links.Serves(r.URL.EscapedPath()) {
			links.ServeHTTP(w, r)
			return
		}
		registry.ServeHTTP(w, r)
	})
	for _, p := range tracking.TraceRoutePatterns {
		if err := router.Handle(proxy.Route{Name: "trace-links " + p, Path: p, Handler: sidecar.Own(links, own)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range httpapi.Prefixes {
		if err := router.Handle(proxy.Route{Name: "registry " + p, Path: p, Subtree: true, Handler: sidecar.Own(subtree, own)}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T, srv *httptest.Server, ws string) *client.Client {
	t.Helper()
	c, err := client.New(client.Options{TrackingURI: srv.URL + staticPrefix, Workspace: ws, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHTTPRoundTripWithTheClient(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		f := newFixture(t, uri, dbtest.MLflow3112)
		seedBasic(f)
		f.exec(`INSERT INTO workspaces (name) VALUES ('team-a')`)
		f.experiment(2, "team-a")
		f.trace("tr-team", 2, 10)
		srv := serve(t, f)
		c := newClient(t, srv, "")
		b120, w2 := wire.VersionRef{Name: brave, Version: "1.2.0"}, wire.VersionRef{Name: weather, Version: "2.0.0"}

		if err := c.LinkTrace(f.ctx, "tr-1", b120, w2); err != nil {
			t.Fatal(err)
		}
		if err := c.LinkTrace(f.ctx, "tr-2", b120); err != nil {
			t.Fatal(err)
		}
		f.deleteVersion(ws, weather, "2.0.0")
		got, err := c.TraceVersions(f.ctx, "tr-1")
		if err != nil {
			t.Fatal(err)
		}
		// Exactly the registry's rendering; the deleted version is kept.
		live, err := f.reg.GetVersion(f.ctx, scope.Scope{Workspace: ws}, brave, "1.2.0")
		if err != nil {
			t.Fatal(err)
		}
		var deleted *mcpregistry.VersionView
		if err := f.store.Read(f.ctx, func(tx mcpregistry.Tx) (err error) {
			deleted, err = tx.VersionView(f.ctx, ws, weather, "2.0.0", true)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := []wire.Version{wire.FromVersion(live), wire.FromVersion(deleted)}
		if gotJSON, wantJSON := mustJSON(t, got), mustJSON(t, want); gotJSON != wantJSON || deleted.Status != mcpregistry.StatusDeleted {
			t.Fatalf("trace versions\n%s\nwant\n%s", gotJSON, wantJSON)
		}

		var traces []string
		for it, err := range c.VersionTraces(f.ctx, brave, "1.2.0", client.TraceSearch{MaxResults: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			traces = append(traces, it.TraceID+" "+it.ExperimentID+" "+it.Status+" "+it.MCPServerVersion.Name+"@"+it.MCPServerVersion.Version)
		}
		wantTraces := []string{"tr-2 1 OK " + brave + "@1.2.0", "tr-1 1 OK " + brave + "@1.2.0"}
		if !slices.Equal(traces, wantTraces) {
			t.Fatalf("version traces %q, want %q", traces, wantTraces)
		}
		page, err := c.SearchServerTraces(f.ctx, weather, client.TraceSearch{})
		if err != nil || len(page.Traces) != 1 || page.Traces[0].TraceID != "tr-1" || page.NextPageToken != nil {
			t.Fatalf("server traces %+v %v", page, err)
		}

		if err := c.UnlinkTrace(f.ctx, "tr-1", w2); err != nil {
			t.Fatal(err)
		}
		if got, err := c.TraceVersions(f.ctx, "tr-1"); err != nil || len(got) != 1 || got[0].Version != "1.2.0" {
			t.Fatalf("after unlink: %+v %v", got, err)
		}
		// Workspaces come from the header, through the sidecar's resolver.
		team := newClient(t, srv, "team-a")
		if err := team.LinkTrace(f.ctx, "tr-1", b120); !errors.Is(err, mlflowerr.ErrNotFound) {
			t.Fatalf("team-a linking default's trace: %v", err)
		}
		if _, err := newClient(t, srv, "nope").TraceVersions(f.ctx, "tr-1"); !errors.Is(err, mlflowerr.ErrNotFound) {
			t.Fatalf("unknown workspace: %v", err)
		}
	})
}

func TestHTTPAnswers(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string // the body, or a substring of it when prefixed with "~"
	}{
		{"link", "POST", "/api/3.0/mlflow/traces/link-mcp-server-versions",
			`{"trace_id": "tr-1", "mcp_server_versions": [{"name": "` + brave + `", "version": "1.2.0"}]}`, 200, "{}\n"},
		{"link on the ajax mount", "POST", "/ajax-api/3.0/mlflow/traces/link-mcp-server-versions",
			`{"trace_id": "tr-2", "mcp_server_versions": [{"name": "` + brave + `", "version": "1.2.0"}]}`, 200, "{}\n"},
		{"listing with a raw slash in the name", "GET", "/api/3.0/mlflow/mcp-servers/" + brave + "/versions/1.2.0/traces?max_results=1", "", 200,
			`~{"traces":[{"trace_id":"tr-2","experiment_id":"1","timestamp_ms":2000,"status":"OK","mcp_server_version":{"name":"` + brave + `","version":"1.2.0"}}],"next_page_token":"`},
		{"server listing with %2F", "GET", "/ajax-api/3.0/mlflow/mcp-servers/io.github.acme%2Fbrave-search/traces", "", 200,
			`~"trace_id":"tr-1"`},
		{"unknown trace", "POST", "/api/3.0/mlflow/traces/link-mcp-server-versions",
			`{"trace_id": "tr-x", "mcp_server_versions": []}`, 404,
			`{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Trace with request_id 'tr-x' not found."}` + "\n"},
		{"unknown version", "GET", "/api/3.0/mlflow/mcp-servers/" + brave + "/versions/9.0.0/traces", "", 404,
			`{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"MCP server version '` + brave + `' version '9.0.0' not found"}` + "\n"},
		{"bad body", "POST", "/api/3.0/mlflow/traces/unlink-mcp-server-versions", `{"mcp_server_versions": [{}]}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid request: trace_id: Field required; ` +
				`mcp_server_versions.0.name: Field required; mcp_server_versions.0.version: Field required"}` + "\n"},
		{"bad max_results", "GET", "/api/3.0/mlflow/mcp-servers/" + brave + "/traces?max_results=x", "", 400, `~unable to parse string as an integer`},
		{"bad page token", "GET", "/api/3.0/mlflow/mcp-servers/" + brave + "/traces?page_token=abc", "", 400, `~Invalid page token`},
		{"wrong method", "GET", "/api/3.0/mlflow/traces/link-mcp-server-versions", "", 405, `{"detail":"Method Not Allowed"}` + "\n"},
		{"wrong method on a listing", "DELETE", "/api/3.0/mlflow/mcp-servers/" + brave + "/traces", "", 405, `{"detail":"Method Not Allowed"}` + "\n"},
		{"other trace routes go to MLflow", "POST", "/api/3.0/mlflow/traces/tr-1/tags", `{}`, 299, ""},
		{"no static prefix goes to MLflow", "POST", "/api/3.0/mlflow/traces/link-mcp-server-versions", `{}`, 299, ""},
		{"a server named ns/traces stays the registry's", "GET", "/api/3.0/mlflow/mcp-servers/io.github.acme/traces", "", 404,
			`~MCP server 'io.github.acme/traces' not found`},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		f := newFixture(t, uri, dbtest.MLflow3112)
		seedBasic(f)
		srv := serve(t, f)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				path := staticPrefix + tt.path
				if strings.HasPrefix(tt.name, "no static prefix") {
					path = tt.path
				}
				req, err := http.NewRequestWithContext(f.ctx, tt.method, srv.URL+path, strings.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok := string(body) == tt.want
				if sub, isSub := strings.CutPrefix(tt.want, "~"); isSub {
					ok = strings.Contains(string(body), sub)
				}
				if resp.StatusCode != tt.status || !ok {
					t.Fatalf("%s %s: %d %s\nwant %d %s", tt.method, path, resp.StatusCode, body, tt.status, tt.want)
				}
			})
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
