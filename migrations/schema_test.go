package migrations_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var quiet = slog.New(slog.DiscardHandler)

func isMCP(table string) bool     { return strings.HasPrefix(table, "mcp_") }
func isSidecar(table string) bool { return strings.HasPrefix(table, "mlflow_sidecar_") }
func isMLflow(table string) bool  { return !isMCP(table) && !isSidecar(table) }

func up(t *testing.T, uri mlflowdb.URI) migrations.Status {
	t.Helper()
	st, err := migrations.Up(ctxT(t), uri, quiet)
	if err != nil {
		t.Fatalf("Up: %v\n%s", err, st)
	}
	return st
}

// TestSchemaMatchesMLflow compares the MCP tables the sidecar creates with
// the ones MLflow's alembic a8b9c0d1e2f3 creates, column by column,
// constraint by constraint, index by index.
func TestSchemaMatchesMLflow(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, ours mlflowdb.URI) {
		up(t, ours)
		reference := dbtest.Fresh(t, ours.Dialect)
		dbtest.LoadMCPReference(t, reference, dbtest.RevMCPTables)

		got := dbtest.ReadCatalog(t, ours).Select(isMCP)
		want := dbtest.ReadCatalog(t, reference).Select(isMCP)
		if len(want) != 6 {
			t.Fatalf("reference has %d MCP tables, want 6", len(want))
		}
		if diff := want.Diff(got); diff != "" {
			t.Fatalf("sidecar MCP schema differs from MLflow's (- MLflow, + sidecar):\n%s", diff)
		}
		// The catalog must be able to see a difference at all.
		for name, lines := range got {
			if len(lines) < 4 {
				t.Fatalf("catalog of %s is too thin to compare: %q", name, lines)
			}
		}
	})
}

// sqliteTags rebuilds mcp_server_tags on SQLite (which cannot alter a
// column or constraint in place) with one substitution in its DDL.
func sqliteTags(old, new string) string {
	const ddl = `CREATE TABLE mcp_server_tags (workspace VARCHAR(63) DEFAULT 'default' NOT NULL, name VARCHAR(256) NOT NULL, "key" VARCHAR(250) NOT NULL, value VARCHAR(5000), CONSTRAINT mcp_server_tags_pk PRIMARY KEY (workspace, name, "key"), CONSTRAINT mcp_server_tags_server_fkey FOREIGN KEY(workspace, name) REFERENCES mcp_servers (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE)`
	return "DROP TABLE mcp_server_tags; " + strings.Replace(ddl, old, new, 1)
}

// TestCatalogSeesDifferences guards the schema test against a catalog that
// would call different schemas equal.
func TestCatalogSeesDifferences(t *testing.T) {
	changes := []struct{ name, pg, sqlite string }{
		{"index column order",
			`DROP INDEX ix_mcp_access_endpoints_alias; CREATE INDEX ix_mcp_access_endpoints_alias ON mcp_access_endpoints (workspace, server_alias, server_name)`,
			`DROP INDEX ix_mcp_access_endpoints_alias; CREATE INDEX ix_mcp_access_endpoints_alias ON mcp_access_endpoints (workspace, server_alias, server_name)`},
		{"index DESC",
			`DROP INDEX idx_mcp_server_versions_latest; CREATE INDEX idx_mcp_server_versions_latest ON mcp_server_versions (workspace, name, status, version_major, version_minor, version_patch)`,
			`DROP INDEX idx_mcp_server_versions_latest; CREATE INDEX idx_mcp_server_versions_latest ON mcp_server_versions (workspace, name, status, version_major, version_minor, version_patch)`},
		{"column default",
			`ALTER TABLE mcp_server_tags ALTER COLUMN workspace SET DEFAULT 'other'`,
			sqliteTags(`DEFAULT 'default'`, `DEFAULT 'other'`)},
		{"column type",
			`ALTER TABLE mcp_server_tags ALTER COLUMN value TYPE VARCHAR(8000)`,
			sqliteTags(`value VARCHAR(5000)`, `value VARCHAR(8000)`)},
		{"nullability",
			`ALTER TABLE mcp_server_tags ALTER COLUMN value SET NOT NULL`,
			sqliteTags(`value VARCHAR(5000)`, `value VARCHAR(5000) NOT NULL`)},
		{"constraint name",
			`ALTER TABLE mcp_server_tags RENAME CONSTRAINT mcp_server_tags_server_fkey TO other_fkey`,
			sqliteTags(`mcp_server_tags_server_fkey`, `other_fkey`)},
		{"ON DELETE action",
			`ALTER TABLE mcp_server_tags DROP CONSTRAINT mcp_server_tags_server_fkey; ALTER TABLE mcp_server_tags ADD CONSTRAINT mcp_server_tags_server_fkey FOREIGN KEY (workspace, name) REFERENCES mcp_servers (workspace, name) ON UPDATE CASCADE`,
			sqliteTags(`ON DELETE CASCADE `, ``)},
	}
	dbtest.Dialects(t, func(t *testing.T, changed mlflowdb.URI) {
		reference := dbtest.Fresh(t, changed.Dialect)
		dbtest.LoadMCPReference(t, reference, dbtest.RevMCPTables)
		want := dbtest.ReadCatalog(t, reference)
		for _, c := range changes {
			t.Run(c.name, func(t *testing.T) {
				changed := dbtest.Fresh(t, changed.Dialect)
				dbtest.LoadMCPReference(t, changed, dbtest.RevMCPTables)
				change := c.sqlite
				if changed.Dialect == mlflowdb.Postgres {
					change = c.pg
				}
				db := dbtest.Open(t, changed)
				if err := db.Write(ctxT(t), func(q mlflowdb.Querier) error {
					for stmt := range strings.SplitSeq(change, "; ") {
						if _, err := q.Exec(context.Background(), stmt); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if want.Diff(dbtest.ReadCatalog(t, changed)) == "" {
					t.Fatal("the catalog did not notice the change")
				}
			})
		}
	})
}
