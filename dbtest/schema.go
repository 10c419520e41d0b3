package dbtest

import (
	"context"
	"embed"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// testdata holds MLflow's real DDL (schema-only dumps of empty MLflow
// databases) and the MCP tables as MLflow's alembic creates them; see
// testdata/README.md for provenance.
//
//go:embed testdata/*.sql
var testdata embed.FS

// MLflow versions whose schema LoadMLflowSchema can load.
const (
	MLflow352  = "3.5.2"
	MLflow3112 = "3.11.2"
)

// MLflowHead is the alembic head of each loadable version, for tests that
// seed alembic_version as MLflow would have.
var MLflowHead = map[string]string{MLflow352: "bf29a5ff90ea", MLflow3112: "7d34483879f0"}

// MCP reference revisions LoadMCPReference accepts.
const (
	// RevMCPTables is a8b9c0d1e2f3, the migration that adds the MCP tables.
	RevMCPTables = "a8b9c0d1e2f3"
	// RevMCPCollation is 7c4d9e2f1a86, which on SQLite rebuilds four of
	// them (and, with some SQLAlchemy versions, drops DESC from an index).
	RevMCPCollation = "7c4d9e2f1a86"
)

// LoadMLflowSchema creates MLflow's tables of the given version (MLflow352 or
// MLflow3112) in uri's schema or file, as MLflow's own initialisation would.
// alembic_version is created empty: the dumps are schema-only.
func LoadMLflowSchema(t testing.TB, uri mlflowdb.URI, version string) {
	t.Helper()
	if _, ok := MLflowHead[version]; !ok {
		t.Fatalf("dbtest: no MLflow schema for version %q", version)
	}
	loadDDL(t, uri, "testdata/"+dialectFile(uri)+"-"+version+".sql")
}

// LoadMCPReference creates the six MCP tables exactly as MLflow's alembic
// does (revision RevMCPTables, or RevMCPCollation for the state after the
// collation migration), to simulate "MLflow 3.15 created the MCP tables".
func LoadMCPReference(t testing.TB, uri mlflowdb.URI, revision string) {
	t.Helper()
	name := "testdata/" + dialectFile(uri) + ".sql"
	switch {
	case revision == RevMCPCollation && uri.Dialect == mlflowdb.SQLite:
		name = "testdata/sqlite.after-7c4d9e2f1a86.sql"
	case revision == RevMCPTables, revision == RevMCPCollation:
		// On PostgreSQL both revisions yield the same schema.
	default:
		t.Fatalf("dbtest: unknown MCP revision %q", revision)
	}
	loadDDL(t, uri, name)
}

func dialectFile(uri mlflowdb.URI) string {
	if uri.Dialect == mlflowdb.Postgres {
		return "postgres"
	}
	return "sqlite"
}

func loadDDL(t testing.TB, uri mlflowdb.URI, name string) {
	t.Helper()
	raw, err := testdata.ReadFile(name)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if uri.Dialect == mlflowdb.Postgres {
		err = loadPostgresDDL(ctx, uri, string(raw))
	} else {
		err = loadSQLiteDDL(ctx, uri, string(raw))
	}
	if err != nil {
		t.Fatalf("dbtest: loading %s into %s: %v", name, uri.Redacted(), err)
	}
}

// loadPostgresDDL runs a pg_dump script in uri's schema: psql meta-commands
// (\restrict ...) are dropped and "public." becomes the test schema. The
// script's own set_config('search_path', ”) is harmless: every name in a
// pg_dump script is qualified, and the connection is closed afterwards.
func loadPostgresDDL(ctx context.Context, uri mlflowdb.URI, script string) error {
	conn, err := pgx.Connect(ctx, uri.ConnString)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	var b strings.Builder
	for line := range strings.Lines(script) {
		if strings.HasPrefix(line, `\`) {
			continue
		}
		b.WriteString(strings.ReplaceAll(line, "public.", pgx.Identifier{schema}.Sanitize()+"."))
	}
	_, err = conn.Exec(ctx, b.String())
	return err
}

func loadSQLiteDDL(ctx context.Context, uri mlflowdb.URI, script string) error {
	db, err := mlflowdb.OpenSQL(uri)
	if err != nil {
		return err
	}
	defer db.Close()
	// One transaction: one sync of the file instead of one per statement.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, script); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
