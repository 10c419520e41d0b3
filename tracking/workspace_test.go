package tracking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

func TestWorkspaceIsolation(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		f := newFixture(t, uri, dbtest.MLflow3112)
		const teamA = "team-a"
		f.experiment(1, ws)
		f.experiment(2, teamA)
		f.trace("tr-default", 1, 1000)
		f.trace("tr-team", 2, 2000)
		// The same server and version exist in both workspaces; only-a exists in team-a only.
		f.version(ws, brave, "1.2.0", mcpregistry.StatusActive)
		f.version(teamA, brave, "1.2.0", mcpregistry.StatusActive)
		f.version(teamA, weather, "2.0.0", mcpregistry.StatusActive)

		steps := []struct {
			name  string
			ws    string
			trace string
			refs  []tracking.VersionRef
			want  error // nil: success
		}{
			{"default links its trace", ws, "tr-default", []tracking.VersionRef{ref(brave, "1.2.0")}, nil},
			{"team-a links its trace", teamA, "tr-team", []tracking.VersionRef{ref(brave, "1.2.0"), ref(weather, "2.0.0")}, nil},
			{"default cannot see team-a's trace", ws, "tr-team", []tracking.VersionRef{ref(brave, "1.2.0")}, tracking.ErrTraceInOtherWorkspace},
			{"team-a cannot see default's trace", teamA, "tr-default", []tracking.VersionRef{ref(brave, "1.2.0")}, tracking.ErrTraceInOtherWorkspace},
			{"default cannot link team-a's version", ws, "tr-default", []tracking.VersionRef{ref(weather, "2.0.0")}, tracking.ErrVersionNotFound},
			{"unknown workspace", "nowhere", "tr-team", []tracking.VersionRef{ref(brave, "1.2.0")}, tracking.ErrTraceInOtherWorkspace},
		}
		for _, st := range steps {
			err := f.svc.Link(f.ctx, st.ws, st.trace, st.refs)
			if (st.want == nil) != (err == nil) || (st.want != nil && !errors.Is(err, st.want)) {
				t.Fatalf("%s: err = %v, want %v", st.name, err, st.want)
			}
		}
		// Same name and version, different workspaces: different destinations.
		if got := linkedIDs(f.links("tr-team")); len(got) != 2 || got[0] == tracking.DestinationID(ws, brave, "1.2.0") ||
			got[1] == tracking.DestinationID(ws, brave, "1.2.0") {
			t.Fatalf("team-a's links %v", got)
		}
		for _, c := range []struct {
			ws, want string
		}{{ws, "tr-default"}, {teamA, "tr-team"}} {
			p, err := f.svc.TracesForVersion(f.ctx, c.ws, brave, "1.2.0", tracking.PageRequest{})
			if err != nil || len(p.Items) != 1 || p.Items[0].TraceID != c.want {
				t.Fatalf("%s lists %+v %v, want only %s", c.ws, p, err, c.want)
			}
		}
		if _, err := f.svc.TracesForServer(f.ctx, ws, weather, tracking.PageRequest{}); !errors.Is(err, mlflowerr.ErrNotFound) {
			t.Fatalf("default lists team-a's server: %v", err)
		}
		// An experiment moved to another workspace takes its traces along.
		f.exec(`UPDATE experiments SET workspace = $1 WHERE experiment_id = 1`, teamA)
		p, err := f.svc.TracesForVersion(f.ctx, ws, brave, "1.2.0", tracking.PageRequest{})
		if err != nil || len(p.Items) != 0 {
			t.Fatalf("default still lists a moved trace: %+v %v", p, err)
		}
		if err := f.svc.Unlink(f.ctx, ws, "tr-default", []tracking.VersionRef{ref(brave, "1.2.0")}); !errors.Is(err, tracking.ErrTraceInOtherWorkspace) {
			t.Fatalf("unlink of a moved trace: %v", err)
		}
	})
}

// TestLinkHoldsVersionAgainstConcurrentDelete checks the FOR SHARE read: a
// link that meets an uncommitted soft delete waits for it and then refuses
// the deleted version, instead of linking the version it saw before.
func TestLinkHoldsVersionAgainstConcurrentDelete(t *testing.T) {
	f := newFixture(t, dbtest.Postgres(t), dbtest.MLflow3112)
	seedBasic(f)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.uri.ConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `UPDATE mcp_server_versions SET status = 'deleted' WHERE workspace = 'default' AND name = $1 AND version = '1.2.0'`, brave); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.svc.Link(ctx, ws, "tr-1", []tracking.VersionRef{ref(brave, "1.2.0")}) }()
	// Wait until the link is blocked on the updated row, i.e. waits for the
	// deleting transaction to end.
	for {
		var waiting int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_locks
WHERE locktype = 'transactionid' AND transactionid = pg_current_xact_id()::xid AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}

		select {
		case err := <-done:
			t.Fatalf("link finished without waiting for the delete: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, tracking.ErrVersionNotFound) {
		t.Fatalf("link after the delete committed: %v, want not found", err)
	}
	if len(f.links("tr-1")) != 0 {
		t.Fatal("a deleted version was linked")
	}
}
