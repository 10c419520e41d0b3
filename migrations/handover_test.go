package migrations_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// mcpTables are the six MCP tables, parents first.
func mcpTables() []string {
	var names []string
	for _, tc := range migrations.RequiredColumns {
		names = append(names, tc.Table)
	}
	return names
}

func heldTables() []string {
	var names []string
	for _, t := range mcpTables() {
		names = append(names, migrations.HandoverTablePrefix+t)
	}
	return names
}

func isHeld(table string) bool { return strings.HasPrefix(table, migrations.HandoverTablePrefix) }

// rowCount reads the count out of a dbtest.TableChecksums value.
func rowCount(t *testing.T, sum string) int64 {
	var n int64
	if _, err := fmt.Sscanf(sum, "%d rows", &n); err != nil {
		t.Fatalf("checksum %q: %v", sum, err)
	}
	return n
}

// snapshot is every table's structure and rows.
type snapshot struct {
	catalog dbtest.Catalog
	sums    map[string]string
}

func snap(t *testing.T, uri mlflowdb.URI) snapshot {
	t.Helper()
	c := dbtest.ReadCatalog(t, uri)
	return snapshot{c, dbtest.TableChecksums(t, uri, slices.Sorted(maps.Keys(c)))}
}

// diff says how two snapshots differ; "" when they do not.
func (s snapshot) diff(other snapshot) string {
	d := s.catalog.Diff(other.catalog)
	for _, table := range slices.Sorted(maps.Keys(s.sums)) {
		if other.sums[table] != s.sums[table] {
			d += fmt.Sprintf("rows of %s: %s -> %s\n", table, s.sums[table], other.sums[table])
		}
	}
	return d
}

// lineDiff lists the lines of a and b that the other lacks.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var d strings.Builder
	for _, l := range al {
		if !slices.Contains(bl, l) {
			d.WriteString("- " + l + "\n")
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			d.WriteString("+ " + l + "\n")
		}
	}
	return d.String()
}

func wantRefused(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, migrations.ErrHandoverRefused) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want a refusal containing %q", err, want)
	}
}

// TestHandover walks the operator's procedure on an MLflow 3.11.2 database
// whose MCP tables the sidecar created: prepare, MLflow 3.15's upgrade
// (simulated by MLflow's DDL for the MCP tables), complete. Every row comes
// back identical, the registry shows the same views, and MLflow's own tables
// are never touched.
func TestHandover(t *testing.T) {
	for _, rev := range []string{dbtest.RevMCPTables, dbtest.RevMCPCollation} {
		t.Run("MLflow at "+rev, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				ctx := ctxT(t)
				dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112)
				seedMLflow(t, uri, dbtest.MLflowHead[dbtest.MLflow3112])
				if st := up(t, uri); st.Owner != migrations.OwnerSidecar {
					t.Fatalf("before the hand-over:\n%s", st)
				}
				seedRegistry(t, registryOn(t, uri))
				views := registryViews(t, registryOn(t, uri))
				start := snap(t, uri)
				for _, table := range mcpTables() {
					if rowCount(t, start.sums[table]) == 0 {
						t.Fatalf("the seed wrote no rows to %s", table)
					}
				}

				rep, err := migrations.PrepareHandover(ctx, uri, quiet)
				if err != nil {
					t.Fatalf("prepare: %v", err)
				}
				if rep.AlreadyDone || rep.Status.Owner != migrations.OwnerHandover || !strings.Contains(rep.String(), "Next steps") {
					t.Fatalf("prepare report:\n%s\n%s", rep, rep.Status)
				}
				prepared := snap(t, uri)
				checkPrepared(t, uri, start, prepared, rep)
				checkRefusedWhileHandingOver(t, uri, "stop every sidecar, upgrade MLflow")

				again, err := migrations.PrepareHandover(ctx, uri, quiet)
				if err != nil || !again.AlreadyDone || len(again.Moved) != 0 {
					t.Fatalf("second prepare: %v\n%s", err, again)
				}
				_, err = migrations.CompleteHandover(ctx, uri, quiet)
				wantRefused(t, err, "MLflow has not created the MCP tables (missing: mcp_servers, mcp_server_versions")
				if d := prepared.diff(snap(t, uri)); d != "" {
					t.Fatalf("a second prepare or a refused complete changed the database:\n%s", d)
				}

				dbtest.LoadMCPReference(t, uri, rev) // `mlflow db upgrade` to 3.15
				checkRefusedWhileHandingOver(t, uri, "which has created them")
				upgraded := snap(t, uri)

				rep, err = migrations.CompleteHandover(ctx, uri, quiet)
				if err != nil {
					t.Fatalf("complete: %v", err)
				}
				st := rep.Status
				if rep.AlreadyDone || st.Owner != migrations.OwnerMLflow || !st.OwnerRecorded || len(st.Held) != 0 || st.Err() != nil {
					t.Fatalf("complete report:\n%s\n%s", rep, st)
				}
				for i, m := range rep.Moved {
					if m.Table != mcpTables()[i] || m.Rows != rowCount(t, start.sums[m.Table]) {
						t.Errorf("moved %s: %d rows, want %s: %s", m.Table, m.Rows, mcpTables()[i], start.sums[mcpTables()[i]])
					}
				}
				done := snap(t, uri)
				if d := start.catalog.Select(isMLflow).Diff(done.catalog.Select(isMLflow)); d != "" {
					t.Errorf("MLflow's tables changed:\n%s", d)
				}
				if d := upgraded.catalog.Select(isMCP).Diff(done.catalog.Select(isMCP)); d != "" {
					t.Errorf("complete changed the structure of MLflow's MCP tables:\n%s", d)
				}
				if held := done.catalog.Select(isHeld); len(held) != 0 {
					t.Errorf("holding tables left: %v", slices.Sorted(maps.Keys(held)))
				}
				for table, sum := range start.sums {
					if !isSidecar(table) && done.sums[table] != sum {
						t.Errorf("rows of %s: %s before the hand-over, %s after", table, sum, done.sums[table])
					}
				}
				if got := registryViews(t, registryOn(t, uri)); got != views {
					t.Errorf("the registry shows other views after the hand-over (- before, + after):\n%s", lineDiff(views, got))
				}

				checkOwnedByMLflow(t, uri)
			})
		})
	}
}

// checkPrepared: the rows are in holding tables without any index or
// constraint, the MCP tables are gone, nothing else changed.
func checkPrepared(t *testing.T, uri mlflowdb.URI, start, prepared snapshot, rep migrations.HandoverReport) {
	t.Helper()
	if mcp := prepared.catalog.Select(isMCP); len(mcp) != 0 {
		t.Fatalf("MCP tables left after prepare: %v", slices.Sorted(maps.Keys(mcp)))
	}
	for i, h := range heldTables() {
		table := mcpTables()[i]
		if prepared.sums[h] != start.sums[table] {
			t.Errorf("%s holds %s, %s held %s", h, prepared.sums[h], table, start.sums[table])
		}
		if m := rep.Moved[i]; m.Table != h || m.Rows != rowCount(t, start.sums[table]) {
			t.Errorf("report: moved %+v, want %s with %s", m, h, start.sums[table])
		}
		for _, line := range prepared.catalog[h] {
			if !strings.HasPrefix(line, "column ") && !strings.HasPrefix(line, "sql ") {
				t.Errorf("%s has more than columns: %s", h, line)
			}
		}
	}
	if d := start.catalog.Select(isMLflow).Diff(prepared.catalog.Select(isMLflow)); d != "" {
		t.Errorf("prepare changed MLflow's tables:\n%s", d)
	}
	for table, sum := range start.sums {
		if isMLflow(table) && prepared.sums[table] != sum {
			t.Errorf("prepare changed the rows of %s", table)
		}
	}
	if !strings.Contains(rep.Status.String(), "MCP tables owner:  handover\n") ||
		!strings.Contains(rep.Status.String(), "Handover tables:   "+migrations.HandoverTablePrefix+"mcp_servers (") {
		t.Errorf("status after prepare:\n%s", rep.Status)
	}
}

// checkRefusedWhileHandingOver: nothing may run on, or recreate, the MCP
// tables during a hand-over, and the refusals change nothing.
func checkRefusedWhileHandingOver(t *testing.T, uri mlflowdb.URI, want string) {
	t.Helper()
	ctx := ctxT(t)
	before := snap(t, uri)
	st, err := migrations.Up(ctx, uri, quiet)
	if err == nil || !strings.Contains(err.Error(), "being handed over to MLflow") || !strings.Contains(err.Error(), want) {
		t.Fatalf("Up during the hand-over: %v, want a refusal containing %q", err, want)
	}
	inspected, err := migrations.Inspect(ctx, uri)
	if err != nil || inspected.String() != st.String() || inspected.Err() == nil {
		t.Fatalf("Inspect during the hand-over: %v\n%s", err, inspected)
	}
	if err := migrations.Current(ctx, dbtest.Open(t, uri).Q()); err == nil || !strings.Contains(err.Error(), "being handed over") {
		t.Fatalf("Current during the hand-over: %v", err)
	}
	if _, err := migrations.Down(ctx, uri, quiet); err == nil || !strings.Contains(err.Error(), "hand-over to MLflow is in progress") {
		t.Fatalf("Down during the hand-over: %v", err)
	}
	if d := before.diff(snap(t, uri)); d != "" {
		t.Fatalf("a refusal changed the database:\n%s", d)
	}
}

// checkOwnedByMLflow: after the hand-over the sidecar runs on MLflow's tables
// like on any MLflow 3.15 database, and the hand-over steps are done.
func checkOwnedByMLflow(t *testing.T, uri mlflowdb.URI) {
	t.Helper()
	ctx := ctxT(t)
	if st := up(t, uri); st.Owner != migrations.OwnerMLflow || st.Version != latest(t, uri.Dialect) {
		t.Fatalf("Up after the hand-over:\n%s", st)
	}
	if err := migrations.Current(ctx, dbtest.Open(t, uri).Q()); err != nil {
		t.Fatalf("Current after the hand-over: %v", err)
	}
	rep, err := migrations.CompleteHandover(ctx, uri, quiet)
	if err != nil || !rep.AlreadyDone || !strings.Contains(rep.String(), "nothing changed") {
		t.Fatalf("second complete: %v\n%s", err, rep)
	}
	_, err = migrations.PrepareHandover(ctx, uri, quiet)
	wantRefused(t, err, "MLflow owns the MCP tables already")

	reg := registryOn(t, uri)
	_, err = reg.CreateVersion(ctx, alice, "io.acme/weather", mcpregistry.CreateVersionInput{
		ServerJSON: []byte(`{"name": "io.acme/weather", "version": "3.0.0"}`), Status: ptr("active")})
	must(t, "register on MLflow's tables", err)
	server, err := reg.GetServer(ctx, alice, "io.acme/weather")
	must(t, "get server", err)
	if server.Latest == nil || server.Latest.Version != "3.0.0" || len(server.Endpoints) != 3 {
		t.Fatalf("server after a new version: %+v", server)
	}
}

// TestHandoverConcurrent: sidecars and operators racing on one database take
// the migration lock in turn. Each step is done once; the others find it
// done, and an Up that comes second is refused.
func TestHandoverConcurrent(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		ctx := ctxT(t)
		up(t, uri)
		seedRegistry(t, registryOn(t, uri))
		start := snap(t, uri)

		race := func(step func() (migrations.HandoverReport, error), ups int) (done int) {
			const steps = 3
			var wg sync.WaitGroup
			reps := make([]migrations.HandoverReport, steps)
			errs := make([]error, steps+ups)
			for i := range steps {
				wg.Go(func() { reps[i], errs[i] = step() })
			}
			for i := range ups {
				wg.Go(func() { _, errs[steps+i] = migrations.Up(ctx, uri, quiet) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil && (i < steps || !strings.Contains(err.Error(), "being handed over")) {
					t.Fatalf("racer %d: %v", i, err)
				}
			}
			for _, r := range reps {
				if !r.AlreadyDone {
					done++
				}
			}
			return done
		}
		if done := race(func() (migrations.HandoverReport, error) { return migrations.PrepareHandover(ctx, uri, quiet) }, 2); done != 1 {
			t.Fatalf("%d prepares did the work, want 1", done)
		}
		dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
		if done := race(func() (migrations.HandoverReport, error) { return migrations.CompleteHandover(ctx, uri, quiet) }, 0); done != 1 {
			t.Fatalf("%d completes did the work, want 1", done)
		}
		done := snap(t, uri)
		for _, table := range mcpTables() {
			if done.sums[table] != start.sums[table] {
				t.Errorf("rows of %s: %s -> %s", table, start.sums[table], done.sums[table])
			}
		}
	})
}
