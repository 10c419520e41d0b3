package migrations_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

func exec(t *testing.T, uri mlflowdb.URI, stmts ...string) {
	t.Helper()
	db := dbtest.Open(t, uri)
	defer db.Close()
	if err := db.Write(ctxT(t), func(q mlflowdb.Querier) error {
		for _, s := range stmts {
			if _, err := q.Exec(context.Background(), s); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("%q: %v", stmts, err)
	}
}

func latest(t *testing.T, d mlflowdb.Dialect) uint {
	v, err := migrations.Latest(d)
	if err != nil || v == 0 {
		t.Fatalf("Latest: %d, %v", v, err)
	}
	return v
}

func TestOwnership(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, uri mlflowdb.URI)
		owner  migrations.Owner
		refuse []string // parts of Up's error; nil: Up succeeds
		// lines Status.String must contain
		status []string
	}{
		{name: "empty database: the sidecar creates the tables",
			setup: func(*testing.T, mlflowdb.URI) {}, owner: migrations.OwnerSidecar,
			status: []string{"MCP tables owner:  sidecar", "MLflow revision:   not initialised", "Problems:          none"}},
		{name: "MLflow 3.11.2 without MCP tables: the sidecar creates them",
			setup: func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112)
				exec(t, uri, `INSERT INTO alembic_version (version_num) VALUES ('7d34483879f0')`)
			}, owner: migrations.OwnerSidecar,
			status: []string{"MCP tables owner:  sidecar", "MLflow revision:   7d34483879f0"}},
		{name: "MLflow 3.15 created the tables",
			setup: func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
			}, owner: migrations.OwnerMLflow,
			status: []string{"MCP tables owner:  mlflow\n", "Missing columns:   none"}},
		{name: "MLflow created the tables and ran the collation migration",
			setup: func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMCPReference(t, uri, dbtest.RevMCPCollation)
			}, owner: migrations.OwnerMLflow,
			status: []string{"MCP tables owner:  mlflow\n"}},
		{name: "MLflow's tables lack a column the sidecar needs",
			setup: func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
				exec(t, uri, `ALTER TABLE mcp_server_versions DROP COLUMN tools`)
			}, owner: migrations.OwnerMLflow,
			refuse: []string{"lack columns", "mcp_server_versions.tools"},
			status: []string{"Missing columns:   mcp_server_versions.tools", "(detected; recorded on the next migrate up)"}},
		{name: "only some MCP tables exist",
			setup: func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
				exec(t, uri, `DROP TABLE mcp_access_endpoints`, `DROP TABLE mcp_server_aliases`)
			}, owner: migrations.OwnerNone,
			refuse: []string{"only some MCP tables exist", "mcp_server_aliases", "mcp_access_endpoints"},
			status: []string{"Missing tables:    mcp_server_aliases, mcp_access_endpoints"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				ctx := ctxT(t)
				tt.setup(t, uri)
				before := dbtest.ReadCatalog(t, uri).Select(isMCP)

				st, err := migrations.Up(ctx, uri, quiet)
				if tt.refuse != nil {
					if err == nil {
						t.Fatalf("Up succeeded:\n%s", st)
					}
					for _, want := range tt.refuse {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("Up error %q does not mention %q", err, want)
						}
					}
					// A refusal changes nothing of MLflow's and records nothing.
					if diff := before.Diff(dbtest.ReadCatalog(t, uri).Select(isMCP)); diff != "" {
						t.Errorf("refused Up changed the MCP tables:\n%s", diff)
					}
					if st.Version != 0 || st.OwnerRecorded {
						t.Errorf("refused Up recorded version %d, owner recorded %v", st.Version, st.OwnerRecorded)
					}
				} else {
					if err != nil {
						t.Fatalf("Up: %v\n%s", err, st)
					}
					if st.Version != latest(t, uri.Dialect) || st.Pending != 0 || st.Dirty || !st.OwnerRecorded {
						t.Errorf("status after Up:\n%s", st)
					}
					db := dbtest.Open(t, uri)
					if err := migrations.Current(ctx, db.Q()); err != nil {
						t.Errorf("Current after Up: %v", err)
					}
					if tt.owner == migrations.OwnerMLflow {
						if diff := before.Diff(dbtest.ReadCatalog(t, uri).Select(isMCP)); diff != "" {
							t.Errorf("Up changed MLflow's MCP tables:\n%s", diff)
						}
					}
					again, err := migrations.Up(ctx, uri, quiet)
					if err != nil || again.String() != st.String() {
						t.Errorf("second Up: %v\n%s\nfirst:\n%s", err, again, st)
					}
				}
				if st.Owner != tt.owner {
					t.Errorf("owner = %q, want %q", st.Owner, tt.owner)
				}
				inspected, err := migrations.Inspect(ctx, uri)
				if err != nil {
					t.Fatal(err)
				}
				if inspected.String() != st.String() {
					t.Errorf("Inspect:\n%s\nUp:\n%s", inspected, st)
				}
				for _, want := range tt.status {
					if !strings.Contains(st.String(), want) {
						t.Errorf("status does not contain %q:\n%s", want, st)
					}
				}
			})
		})
	}
}

func TestRefusesInconsistentHistory(t *testing.T) {
	tests := []struct {
		name   string
		break_ []string
		want   string
	}{
		{"sidecar tables dropped by hand",
			[]string{`DROP TABLE mcp_access_endpoints`, `DROP TABLE mcp_server_aliases`, `DROP TABLE mcp_server_version_tags`,
				`DROP TABLE mcp_server_tags`, `DROP TABLE mcp_server_versions`, `DROP TABLE mcp_servers`},
			"recorded as created by sidecar are missing"},
		{"owner record deleted", []string{`DELETE FROM mlflow_sidecar_metadata`}, "has no owner record"},
		{"dirty version", []string{`UPDATE mlflow_sidecar_schema_migrations SET dirty = true`}, "is dirty"},
		{"version from a newer sidecar", []string{`UPDATE mlflow_sidecar_schema_migrations SET version = 999`}, "newer than this sidecar knows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				up(t, uri)
				exec(t, uri, tt.break_...)
				st, err := migrations.Up(ctxT(t), uri, quiet)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Up: %v, want an error containing %q\n%s", err, tt.want, st)
				}
				if !strings.Contains(st.String(), tt.want) {
					t.Fatalf("status does not show the problem:\n%s", st)
				}
			})
		})
	}
}

func TestConcurrentUp(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, uri mlflowdb.URI)
		owner migrations.Owner
	}{
		{"empty database", func(*testing.T, mlflowdb.URI) {}, migrations.OwnerSidecar},
		{"MLflow-owned tables", func(t *testing.T, uri mlflowdb.URI) {
			dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
		}, migrations.OwnerMLflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				tt.setup(t, uri)
				ctx := ctxT(t)
				const sidecars = 4
				var wg sync.WaitGroup
				statuses := make([]migrations.Status, sidecars)
				errs := make([]error, sidecars)
				for i := range sidecars {
					wg.Go(func() { statuses[i], errs[i] = migrations.Up(ctx, uri, quiet) })
				}
				wg.Wait()
				for i := range sidecars {
					if errs[i] != nil {
						t.Fatalf("sidecar %d: %v", i, errs[i])
					}
					if statuses[i].Owner != tt.owner || statuses[i].Version != latest(t, uri.Dialect) {
						t.Fatalf("sidecar %d status:\n%s", i, statuses[i])
					}
				}
			})
		})
	}
}

func TestDown(t *testing.T) {
	t.Run("sidecar-owned tables are dropped", func(t *testing.T) {
		dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
			up(t, uri)
			st, err := migrations.Down(ctxT(t), uri, quiet)
			if err != nil {
				t.Fatalf("Down: %v", err)
			}
			if st.Version != 0 || st.Owner != migrations.OwnerNone || len(dbtest.ReadCatalog(t, uri).Select(isMCP)) != 0 {
				t.Fatalf("after Down:\n%s", st)
			}
			if st := up(t, uri); st.Owner != migrations.OwnerSidecar {
				t.Fatalf("Up after Down:\n%s", st)
			}
		})
	})
	t.Run("MLflow-owned tables and rows are kept", func(t *testing.T) {
		dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
			dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
			exec(t, uri, `INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at) VALUES ('default', 'kept', 1, 1)`)
			before := dbtest.ReadCatalog(t, uri).Select(isMCP)
			up(t, uri)
			st, err := migrations.Down(ctxT(t), uri, quiet)
			if err != nil {
				t.Fatalf("Down: %v", err)
			}
			if diff := before.Diff(dbtest.ReadCatalog(t, uri).Select(isMCP)); diff != "" {
				t.Fatalf("Down changed MLflow's tables:\n%s", diff)
			}
			sums := dbtest.TableChecksums(t, uri, []string{"mcp_servers"})
			if !strings.HasPrefix(sums["mcp_servers"], "1 rows") {
				t.Fatalf("mcp_servers after Down: %s", sums["mcp_servers"])
			}
			if st.Version != 0 || st.OwnerRecorded || st.Owner != migrations.OwnerMLflow {
				t.Fatalf("after Down:\n%s", st)
			}
		})
	})
}

func TestCurrent(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, uri mlflowdb.URI)
		want  string // "" means Current succeeds
	}{
		{"not migrated", func(*testing.T, mlflowdb.URI) {}, "not installed"},
		{"migrated", func(t *testing.T, uri mlflowdb.URI) { up(t, uri) }, ""},
		{"MLflow-owned, migrated", func(t *testing.T, uri mlflowdb.URI) {
			dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
			up(t, uri)
		}, ""},
		{"dirty", func(t *testing.T, uri mlflowdb.URI) {
			up(t, uri)
			exec(t, uri, `UPDATE mlflow_sidecar_schema_migrations SET dirty = true`)
		}, "dirty"},
		{"behind", func(t *testing.T, uri mlflowdb.URI) {
			up(t, uri)
			exec(t, uri, `UPDATE mlflow_sidecar_schema_migrations SET version = 0`)
		}, "run `mlflow-sidecar migrate up`"},
		{"version table empty", func(t *testing.T, uri mlflowdb.URI) {
			up(t, uri)
			exec(t, uri, `DELETE FROM mlflow_sidecar_schema_migrations`)
		}, "no sidecar migration applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				tt.setup(t, uri)
				err := migrations.Current(ctxT(t), dbtest.Open(t, uri).Q())
				switch {
				case tt.want == "" && err != nil:
					t.Fatalf("Current: %v", err)
				case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
					t.Fatalf("Current: %v, want an error containing %q", err, tt.want)
				}
			})
		})
	}
}

func TestInspectDoesNotCreateSQLiteFile(t *testing.T) {
	uri := dbtest.SQLite(t)
	if _, err := migrations.Inspect(ctxT(t), uri); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Inspect on a missing file: %v", err)
	}
}
