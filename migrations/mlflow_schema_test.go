package migrations_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// seedMLflow writes a few rows into MLflow tables, as a used MLflow database
// would have, so that their checksums mean something.
func seedMLflow(t *testing.T, uri mlflowdb.URI, head string) {
	t.Helper()
	db := dbtest.Open(t, uri)
	ctx := ctxT(t)
	err := db.Write(ctx, func(q mlflowdb.Querier) error {
		stmts := []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO alembic_version (version_num) VALUES ($1)`, []any{head}},
			{`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
			  VALUES ($1, $2, $3, 'active', $4, $4)`, []any{int64(0), "Default", "mlflow-artifacts:/0", int64(1700000000000)}},
			{`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
			  VALUES ($1, $2, $3, 'deleted', $4, $4)`, []any{int64(7), "agents ünïcode", "s3://bucket/7", int64(1700000000001)}},
			{`INSERT INTO experiment_tags ("key", value, experiment_id) VALUES ($1, $2, $3)`, []any{"mlflow.note.content", "a\nb", int64(7)}},
			{`INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, experiment_id, source_type)
			  VALUES ($1, $2, 'FINISHED', $3, 'active', $4, 'LOCAL')`, []any{"0123456789abcdef0123456789abcdef", "run", int64(1700000000002), int64(7)}},
			{`INSERT INTO tags ("key", value, run_uuid) VALUES ($1, $2, $3)`, []any{"mlflow.user", "alice", "0123456789abcdef0123456789abcdef"}},
			{`INSERT INTO params ("key", value, run_uuid) VALUES ($1, $2, $3)`, []any{"lr", "0.1", "0123456789abcdef0123456789abcdef"}},
		}
		for _, s := range stmts {
			if _, err := q.Exec(context.Background(), s.sql, s.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seeding MLflow rows: %v", err)
	}
}

// TestUpLeavesMLflowAlone runs the migrations over MLflow's real schema and
// checks that no MLflow table changed in structure or content and that
// alembic_version still holds MLflow's head.
func TestUpLeavesMLflowAlone(t *testing.T) {
	for _, version := range []string{dbtest.MLflow352, dbtest.MLflow3112} {
		t.Run("MLflow "+version, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				head := dbtest.MLflowHead[version]
				dbtest.LoadMLflowSchema(t, uri, version)
				seedMLflow(t, uri, head)
				before := dbtest.ReadCatalog(t, uri)
				mlflowTables := slices.Sorted(maps.Keys(before))
				sumsBefore := dbtest.TableChecksums(t, uri, mlflowTables)

				st := up(t, uri)
				if st.MLflowRevision != head || !st.MLflowInitialised || st.Owner != migrations.OwnerSidecar {
					t.Fatalf("status:\n%s", st)
				}

				after := dbtest.ReadCatalog(t, uri)
				if diff := before.Diff(after.Select(isMLflow)); diff != "" {
					t.Fatalf("MLflow's schema changed (- before, + after):\n%s", diff)
				}
				sumsAfter := dbtest.TableChecksums(t, uri, mlflowTables)
				if !maps.Equal(sumsBefore, sumsAfter) {
					for _, table := range mlflowTables {
						if sumsBefore[table] != sumsAfter[table] {
							t.Errorf("rows of %s changed: %s -> %s", table, sumsBefore[table], sumsAfter[table])
						}
					}
				}
				if sumsAfter["alembic_version"] == "0 rows" || sumsAfter["experiments"][:6] != "2 rows" {
					t.Fatalf("seed rows missing: %v", sumsAfter)
				}
				added := slices.Sorted(maps.Keys(after.Select(func(t string) bool { return !isMLflow(t) })))
				want := []string{"mcp_access_endpoints", "mcp_server_aliases", "mcp_server_tags", "mcp_server_version_tags",
					"mcp_server_versions", "mcp_servers", "mlflow_sidecar_metadata", "mlflow_sidecar_schema_migrations"}
				if !slices.Equal(added, want) {
					t.Fatalf("tables added: %q, want %q", added, want)
				}
			})
		})
	}
}
