package migrations_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// sidecarRows migrates uri (owner sidecar) and writes one row into each MCP
// table, the way any writer would.
func sidecarRows(t *testing.T, uri mlflowdb.URI) {
	t.Helper()
	up(t, uri)
	exec(t, uri,
		`INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at) VALUES ('default', 'io.acme/a', 1, 1)`,
		`INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, version_patch,
			version_prerelease_sort_key, server_json, status, created_at, last_updated_at)
			VALUES ('default', 'io.acme/a', '1.0.0', 1, 0, 0, '2', '{"name": "io.acme/a", "version": "1.0.0"}', 'active', 1, 1)`,
		`INSERT INTO mcp_server_tags (workspace, name, "key", value) VALUES ('default', 'io.acme/a', 'k', 'v')`,
		`INSERT INTO mcp_server_version_tags (workspace, name, version, "key", value) VALUES ('default', 'io.acme/a', '1.0.0', 'k', NULL)`,
		`INSERT INTO mcp_server_aliases (workspace, name, alias, version) VALUES ('default', 'io.acme/a', 'prod', '1.0.0')`,
		`INSERT INTO mcp_access_endpoints (id, workspace, server_name, server_alias, url, created_at, last_updated_at)
			VALUES ('ae-1', 'default', 'io.acme/a', 'prod', 'https://mcp.example.com/a', 1, 1)`)
}

// prepared is sidecarRows followed by a successful prepare.
func prepared(t *testing.T, uri mlflowdb.URI) {
	t.Helper()
	sidecarRows(t, uri)
	if _, err := migrations.PrepareHandover(ctxT(t), uri, quiet); err != nil {
		t.Fatalf("prepare: %v", err)
	}
}

// upgraded is prepared followed by MLflow 3.15 creating its MCP tables.
func upgraded(t *testing.T, uri mlflowdb.URI) {
	t.Helper()
	prepared(t, uri)
	dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
}

func then(setup func(*testing.T, mlflowdb.URI), stmts ...string) func(*testing.T, mlflowdb.URI) {
	return func(t *testing.T, uri mlflowdb.URI) {
		setup(t, uri)
		exec(t, uri, stmts...)
	}
}

func mlflow3112(t *testing.T, uri mlflowdb.URI) { dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112) }

// TestHandoverRefusals: each step refuses, naming what is wrong, in every
// state it must not change, and leaves every table as it was.
func TestHandoverRefusals(t *testing.T) {
	held := migrations.HandoverTablePrefix
	tests := []struct {
		name  string
		setup func(*testing.T, mlflowdb.URI)
		step  func(t *testing.T, uri mlflowdb.URI) error
		want  string
	}{
		{"prepare: MLflow owns the tables", func(t *testing.T, uri mlflowdb.URI) {
			dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
			up(t, uri)
		}, prepareStep, "MLflow owns the MCP tables already"},
		{"prepare: no MCP tables (MLflow 3.11.2, never migrated)", mlflow3112, prepareStep,
			"no MCP tables created by the sidecar exist (MCP tables owner: none yet)"},
		{"prepare: no MCP tables (after migrate down)", func(t *testing.T, uri mlflowdb.URI) {
			up(t, uri)
			if _, err := migrations.Down(ctxT(t), uri, quiet); err != nil {
				t.Fatal(err)
			}
		}, prepareStep, "MCP tables owner: none yet"},
		{"prepare: holding tables left over", then(sidecarRows, `CREATE TABLE `+held+`mcp_servers (name VARCHAR(256))`),
			prepareStep, "holding tables of an earlier hand-over exist (" + held + "mcp_servers)"},
		{"prepare: a column the hand-over would lose", then(sidecarRows, `ALTER TABLE mcp_server_tags ADD COLUMN note VARCHAR(10)`),
			prepareStep, "would not carry over: mcp_server_tags.note"},
		{"prepare: a column missing", then(sidecarRows, `ALTER TABLE mcp_server_versions DROP COLUMN tools`),
			prepareStep, "fix them first: the MCP tables lack columns the sidecar needs: mcp_server_versions.tools"},
		{"prepare: dirty schema", then(sidecarRows, `UPDATE mlflow_sidecar_schema_migrations SET dirty = true`),
			prepareStep, "is dirty"},
		{"prepare: pending migration", then(sidecarRows, `UPDATE mlflow_sidecar_schema_migrations SET version = 0`),
			prepareStep, "1 sidecar migration(s) pending: run `mlflow-sidecar migrate up` first"},

		{"complete: never prepared", sidecarRows, completeStep,
			"no hand-over is in progress (MCP tables owner: sidecar): run `mlflow-sidecar migrate handover prepare` first"},
		{"complete: no MCP tables at all", mlflow3112, completeStep, "no hand-over is in progress (MCP tables owner: none yet)"},
		{"complete: owner record says mlflow, rows still held", then(upgraded,
			`UPDATE mlflow_sidecar_metadata SET value = 'mlflow' WHERE "key" = 'mcp_tables_owner'`),
			completeStep, "no hand-over is in progress (MCP tables owner: mlflow): run `mlflow-sidecar migrate handover prepare` first; holding tables exist"},
		{"complete: MLflow has not upgraded", prepared, completeStep,
			"MLflow has not created the MCP tables (missing: mcp_servers, mcp_server_versions, mcp_server_tags, mcp_server_version_tags, mcp_server_aliases, mcp_access_endpoints): upgrade MLflow"},
		{"complete: MLflow created only some tables", then(upgraded, `DROP TABLE mcp_access_endpoints`, `DROP TABLE mcp_server_aliases`),
			completeStep, "MLflow has not created the MCP tables (missing: mcp_server_aliases, mcp_access_endpoints)"},
		{"complete: MLflow's tables lack a column", then(upgraded, `ALTER TABLE mcp_server_versions DROP COLUMN tools`),
			completeStep, "MLflow's MCP tables lack columns the sidecar needs: mcp_server_versions.tools"},
		{"complete: MLflow's tables are not empty", then(upgraded,
			`INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at) VALUES ('default', 'io.acme/mlflows', 2, 2)`,
			`INSERT INTO mcp_server_tags (workspace, name, "key", value) VALUES ('default', 'io.acme/mlflows', 'k', 'v')`),
			completeStep, "MLflow's MCP tables are not empty (mcp_servers (1 rows), mcp_server_tags (1 rows))"},
		{"complete: a holding table is gone", then(upgraded, `DROP TABLE `+held+`mcp_server_aliases`),
			completeStep, "holding tables " + held + "mcp_server_aliases are missing"},
		{"complete: a holding table was altered", then(upgraded, `ALTER TABLE `+held+`mcp_servers ADD COLUMN extra INTEGER`),
			completeStep, "holding table " + held + "mcp_servers no longer has the columns prepare gave it (missing: none; extra: " + held + "mcp_servers.extra)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				tt.setup(t, uri)
				before := snap(t, uri)
				wantRefused(t, tt.step(t, uri), tt.want)
				if d := before.diff(snap(t, uri)); d != "" {
					t.Fatalf("the refusal changed the database:\n%s", d)
				}
			})
		})
	}
}

func prepareStep(t *testing.T, uri mlflowdb.URI) error {
	_, err := migrations.PrepareHandover(ctxT(t), uri, quiet)
	return err
}

func completeStep(t *testing.T, uri mlflowdb.URI) error {
	_, err := migrations.CompleteHandover(ctxT(t), uri, quiet)
	return err
}

// TestCompleteHandoverIsOneTransaction: when the last copy fails (here a
// CHECK constraint of a schema MLflow might have, which the held rows do not
// meet), the five tables copied before it are emptied again and the rows
// stay held: complete can be run again once the cause is fixed.
func TestCompleteHandoverIsOneTransaction(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		upgraded(t, uri)
		exec(t, uri, `ALTER TABLE mcp_access_endpoints ADD COLUMN visible INTEGER CHECK (visible IS NOT NULL)`)
		before := snap(t, uri)
		err := completeStep(t, uri)
		if err == nil || errors.Is(err, migrations.ErrHandoverRefused) || !strings.Contains(err.Error(), "copying "+migrations.HandoverTablePrefix+"mcp_access_endpoints back") {
			t.Fatalf("complete: %v, want the copy of the endpoints to fail", err)
		}
		if d := before.diff(snap(t, uri)); d != "" {
			t.Fatalf("the failed complete left changes:\n%s", d)
		}
		exec(t, uri, `ALTER TABLE mcp_access_endpoints DROP COLUMN visible`)
		if _, err := migrations.CompleteHandover(ctxT(t), uri, quiet); err != nil {
			t.Fatalf("complete after the fix: %v", err)
		}
		sums := dbtest.TableChecksums(t, uri, mcpTables())
		for _, table := range mcpTables() {
			if !strings.HasPrefix(sums[table], "1 rows") {
				t.Errorf("%s after complete: %s", table, sums[table])
			}
		}
	})
}

// TestHandoverNeedsTheSQLiteFile: the steps never create a database file.
func TestHandoverNeedsTheSQLiteFile(t *testing.T) {
	uri := dbtest.SQLite(t)
	for _, step := range []func(*testing.T, mlflowdb.URI) error{prepareStep, completeStep} {
		if err := step(t, uri); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("hand-over step on a missing file: %v", err)
		}
	}
}
