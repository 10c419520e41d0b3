package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// t0 is the fake clock's start (epoch ms).
const t0 = int64(1_700_000_000_000)

// env is the registry service over a real, migrated database.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *mlflowdb.DB
	reg   *mcpregistry.Registry
	clock atomic.Int64 // ms; every read of the clock advances it by 1 ms
	ids   atomic.Int64
	alice scope.Scope
}

func newEnv(t testing.TB, uri mlflowdb.URI) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: dbtest.Migrated(t, uri)}
	e.clock.Store(t0)
	user := "alice"
	e.alice = scope.Scope{Workspace: "default", User: &user}
	e.reg = mcpregistry.New(mcpregistry.Config{
		Store:         store.New(e.db),
		Clock:         func() time.Time { return time.UnixMilli(e.clock.Add(1) - 1) },
		NewEndpointID: func() string { return fmt.Sprintf("ae-%032x", e.ids.Add(1)) },
		Icons:         &mcpspec.IconPolicy{AllowPrivateIPs: true},
	})
	return e
}

// forDialects runs fn once per dialect, each on a fresh database.
func forDialects(t *testing.T, fn func(t *testing.T, e *env)) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) { fn(t, newEnv(t, uri)) })
}

// at sets the clock: the next operation happens at ms.
func (e *env) at(ms int64) { e.clock.Store(ms) }

func serverJSON(name, version string, extra ...string) []byte {
	fields := append([]string{fmt.Sprintf(`"name": %q`, name), fmt.Sprintf(`"version": %q`, version)}, extra...)
	return []byte("{" + strings.Join(fields, ", ") + "}")
}

func (e *env) register(a scope.Scope, name, version, status string) (*mcpregistry.VersionView, error) {
	in := mcpregistry.CreateVersionInput{ServerJSON: serverJSON(name, version)}
	if status != "" {
		in.Status = &status
	}
	return e.reg.CreateVersion(e.ctx, a, name, in)
}

// mustRegister registers a version as alice and fails the test on error.
func (e *env) mustRegister(name, version, status string) *mcpregistry.VersionView {
	e.t.Helper()
	v, err := e.register(e.alice, name, version, status)
	if err != nil {
		e.t.Fatalf("register %s %s (%s): %v", name, version, status, err)
	}
	return v
}

// setStatus moves a version along the lifecycle.
func (e *env) setStatus(name, version string, statuses ...string) {
	e.t.Helper()
	for _, st := range statuses {
		if _, err := e.reg.UpdateVersion(e.ctx, e.alice, name, version, mcpregistry.VersionPatch{Status: &st}); err != nil {
			e.t.Fatalf("status of %s %s -> %s: %v", name, version, st, err)
		}
	}
}

func (e *env) server(name string) *mcpregistry.ServerView {
	e.t.Helper()
	s, err := e.reg.GetServer(e.ctx, e.alice, name)
	if err != nil {
		e.t.Fatalf("get server %s: %v", name, err)
	}
	return s
}

func (e *env) endpoint(name string, version, alias *string) *mcpregistry.EndpointView {
	e.t.Helper()
	ep, err := e.reg.CreateEndpoint(e.ctx, e.alice, name, mcpregistry.CreateEndpointInput{
		URL: "https://mcp.example.com/" + name, ServerVersion: version, ServerAlias: alias})
	if err != nil {
		e.t.Fatalf("create endpoint on %s: %v", name, err)
	}
	return ep
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// wantErr checks that err is of kind (an mlflowerr sentinel; nil for none)
// and, when msg is not empty, that its message contains msg.
func wantErr(t testing.TB, err error, kind error, msg string) {
	t.Helper()
	switch {
	case kind == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case kind != nil && !errors.Is(err, kind):
		t.Fatalf("error = %v, want kind %v", err, kind)
	case kind != nil && msg != "" && !strings.Contains(err.Error(), msg):
		t.Fatalf("error = %q, want it to contain %q", err, msg)
	}
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// rawExec runs a statement the way another program would write the tables.
func (e *env) rawExec(sql string, args ...any) {
	e.t.Helper()
	e.must(e.db.Write(e.ctx, func(q mlflowdb.Querier) error {
		_, err := q.Exec(e.ctx, sql, args...)
		return err
	}))
}
