package tracking_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// clockMillis is the fixed "now" of the service under test.
const clockMillis int64 = 1_760_000_000_000

// fixture is a database with MLflow's schema of one version plus the
// sidecar's MCP tables, and helpers that write rows the way MLflow (traces,
// experiments) and the registry (servers, versions) would.
type fixture struct {
	t     testing.TB
	uri   mlflowdb.URI
	db    *mlflowdb.DB
	svc   *tracking.Service
	hasWS bool // experiments.workspace exists (MLflow 3.10+)
	ctx   context.Context
	store mcpregistry.Store
	reg   *mcpregistry.Registry
}

func newFixture(t testing.TB, uri mlflowdb.URI, mlflowVersion string) *fixture {
	t.Helper()
	dbtest.LoadMLflowSchema(t, uri, mlflowVersion)
	db := dbtest.Migrated(t, uri)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := &fixture{t: t, uri: uri, db: db, hasWS: mlflowVersion != dbtest.MLflow352, ctx: ctx}
	f.store = store.New(db)
	f.reg = mcpregistry.New(mcpregistry.Config{Store: f.store})
	f.svc = tracking.New(tracking.Config{DB: db, Store: f.store, Clock: func() time.Time { return time.UnixMilli(clockMillis) }})
	return f
}

// schemas runs fn once per dialect and MLflow schema version.
func schemas(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, v := range []string{dbtest.MLflow352, dbtest.MLflow3112} {
		t.Run(v, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) { fn(t, newFixture(t, uri, v)) })
		})
	}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if err := f.db.Write(f.ctx, func(q mlflowdb.Querier) error {
		_, err := q.Exec(f.ctx, sql, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// experiment inserts an experiment of workspace ws (which must be "default"
// on schemas without workspaces).
func (f *fixture) experiment(id int64, ws string) {
	f.t.Helper()
	if f.hasWS {
		f.exec(`INSERT INTO experiments (experiment_id, name, lifecycle_stage, creation_time, last_update_time, workspace)
VALUES ($1, $2, 'active', 0, 0, $3)`, id, "exp-"+ws+"-"+itoa(id), ws)
		return
	}
	if ws != "default" {
		f.t.Fatalf("schema without workspaces cannot hold workspace %q", ws)
	}
	f.exec(`INSERT INTO experiments (experiment_id, name, lifecycle_stage, creation_time, last_update_time)
VALUES ($1, $2, 'active', 0, 0)`, id, "exp-"+itoa(id))
}

// trace inserts a trace_info row as MLflow's log_spans does.
func (f *fixture) trace(id string, experimentID, timestampMs int64) {
	f.t.Helper()
	f.exec(`INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status)
VALUES ($1, $2, $3, 5, 'OK')`, id, experimentID, timestampMs)
}

// version registers a server version through the registry, then moves it
// to the given status.
func (f *fixture) version(ws, name, version string, status mcpregistry.Status) {
	f.t.Helper()
	initial := string(mcpregistry.StatusActive)
	if status == mcpregistry.StatusDraft || status == mcpregistry.StatusDeleted {
		initial = string(mcpregistry.StatusDraft)
	}
	in := mcpregistry.CreateVersionInput{ServerJSON: []byte(`{"name": "` + name + `", "version": "` + version + `"}`), Status: &initial}
	if _, err := f.reg.CreateVersion(f.ctx, scope.Scope{Workspace: ws}, name, in); err != nil {
		f.t.Fatalf("registering %s %s in %s: %v", name, version, ws, err)
	}
	switch status {
	case mcpregistry.StatusDeprecated:
		f.setStatus(ws, name, version, status)
	case mcpregistry.StatusDeleted:
		f.deleteVersion(ws, name, version)
	}
}

func (f *fixture) setStatus(ws, name, version string, status mcpregistry.Status) {
	f.t.Helper()
	st := string(status)
	if _, err := f.reg.UpdateVersion(f.ctx, scope.Scope{Workspace: ws}, name, version, mcpregistry.VersionPatch{Status: &st}); err != nil {
		f.t.Fatalf("%s %s -> %s: %v", name, version, status, err)
	}
}

// deleteVersion soft-deletes a version as a user would: an active one is
// deprecated first.
func (f *fixture) deleteVersion(ws, name, version string) {
	f.t.Helper()
	a := scope.Scope{Workspace: ws}
	v, err := f.reg.GetVersion(f.ctx, a, name, version)
	if err != nil {
		f.t.Fatal(err)
	}
	if v.Status == mcpregistry.StatusActive {
		f.setStatus(ws, name, version, mcpregistry.StatusDeprecated)
	}
	if err := f.reg.DeleteVersion(f.ctx, a, name, version); err != nil {
		f.t.Fatalf("deleting %s %s: %v", name, version, err)
	}
}

// assoc is one entity_associations row of a trace.
type assoc struct {
	ID, DestinationID string
	Created           int64
}

func (f *fixture) links(traceID string) []assoc {
	f.t.Helper()
	rows, err := f.db.Q().Query(f.ctx, `SELECT association_id, destination_id, created_time FROM entity_associations
WHERE source_type = 'trace' AND source_id = $1 AND destination_type = 'mcp_server_version' ORDER BY destination_id`, traceID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []assoc
	for rows.Next() {
		var a assoc
		if err := rows.Scan(&a.ID, &a.DestinationID, &a.Created); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// tag returns the trace's mlflow.linkedMcpServers value, nil when absent.
func (f *fixture) tag(traceID string) *string {
	f.t.Helper()
	var v *string
	err := f.db.Q().QueryRow(f.ctx, `SELECT value FROM trace_tags WHERE request_id = $1 AND "key" = $2`,
		traceID, tracking.LinkedServersTag).Scan(&v)
	if errors.Is(err, mlflowdb.ErrNoRows) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// destIDs are the destination ids of refs in workspace ws, sorted.
func destIDs(ws string, refs ...tracking.VersionRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = tracking.DestinationID(ws, r.Name, r.Version)
	}
	slices.Sort(out)
	return out
}

func linkedIDs(as []assoc) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.DestinationID
	}
	return out
}

// checksums fingerprints every table a link or unlink may write.
func (f *fixture) checksums() map[string]string {
	f.t.Helper()
	return dbtest.TableChecksums(f.t, f.uri, []string{"entity_associations", "trace_tags"})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func ref(name, version string) tracking.VersionRef {
	return tracking.VersionRef{Name: name, Version: version}
}

// parseTag reads a linked-servers tag value as a client would.
func parseTag(t testing.TB, value string) []tracking.VersionRef {
	t.Helper()
	var entries []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal([]byte(value), &entries); err != nil {
		t.Fatalf("tag %q: %v", value, err)
	}
	out := make([]tracking.VersionRef, len(entries))
	for i, e := range entries {
		out[i] = ref(e.Name, e.Version)
	}
	return out
}
