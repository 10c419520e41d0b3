package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// backendStoreURI is the --backend-store-uri MLflow would be given for uri.
func backendStoreURI(uri mlflowdb.URI) string {
	if uri.Dialect == mlflowdb.Postgres {
		return "postgresql" + strings.TrimPrefix(uri.ConnString, "postgres")
	}
	return "sqlite:///" + uri.Path // Path is absolute: four slashes
}

// runCommand runs the real command tree in-process. The deadline stops a
// serve that should have refused to start.
func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// TestMigrateHandover runs the upgrade procedure of README.md through the
// command line: prepare, the refusals while the hand-over is under way,
// MLflow's upgrade (its DDL for the MCP tables), complete.
func TestMigrateHandover(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		store := []string{"--backend-store-uri", backendStoreURI(uri)}
		cmd := func(args ...string) []string { return append(args, store...) }
		if out, err := runCommand(t, cmd("migrate", "up")...); err != nil {
			t.Fatalf("migrate up: %v\n%s", err, out)
		}
		db := dbtest.Open(t, uri)
		if err := db.Write(t.Context(), func(q mlflowdb.Querier) error {
			_, err := q.Exec(t.Context(), `INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at) VALUES ('default', 'io.acme/a', 1, 1)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			args    []string
			fails   string         // part of the error; "" for success
			printed *regexp.Regexp // matched against the output
		}{
			{cmd("migrate", "handover", "complete"), "no hand-over is in progress (MCP tables owner: sidecar)", nil},
			{cmd("migrate", "handover", "prepare"), "",
				regexp.MustCompile(`(?s)mlflow_sidecar_handover_mcp_servers: +1 rows\n.*MCP tables owner: handover.*Next steps:\n  1\. Stop every mlflow-sidecar`)},
			{cmd("migrate", "handover", "prepare"), "", regexp.MustCompile(`A hand-over is already prepared .*; nothing changed`)},
			{cmd("migrate", "status"), "being handed over to MLflow", regexp.MustCompile(`MCP tables owner:  handover\n`)},
			{cmd("migrate", "up"), "being handed over to MLflow", nil},
			{cmd("serve", "--migrate", "auto", "--port", "0", "--admin-addr", "127.0.0.1:0", "--log-level", "error"), "being handed over to MLflow", nil},
			{cmd("serve", "--migrate", "off", "--port", "0", "--admin-addr", "127.0.0.1:0", "--log-level", "error"), "being handed over to MLflow", nil},
			{cmd("migrate", "handover", "complete"), "MLflow has not created the MCP tables", nil},
			{nil, "", nil}, // MLflow's upgrade
			{cmd("migrate", "handover", "complete"), "",
				regexp.MustCompile(`(?s)mcp_servers: +1 rows\n.*MCP tables owner: mlflow\.`)},
			{cmd("migrate", "handover", "complete"), "", regexp.MustCompile(`no hand-over is in progress; nothing changed`)},
			{cmd("migrate", "status"), "", regexp.MustCompile(`MCP tables owner:  mlflow\n`)},
			{cmd("migrate", "handover", "prepare"), "MLflow owns the MCP tables already", nil},
		}
		for _, s := range steps {
			if s.args == nil {
				dbtest.LoadMCPReference(t, uri, dbtest.RevMCPTables)
				continue
			}
			out, err := runCommand(t, s.args...)
			switch {
			case s.fails == "" && err != nil:
				t.Fatalf("%q: %v\n%s", s.args[:3], err, out)
			case s.fails != "" && (err == nil || !strings.Contains(err.Error(), s.fails)):
				t.Fatalf("%q: %v, want an error containing %q\n%s", s.args[:3], err, s.fails, out)
			case s.printed != nil && !s.printed.MatchString(out):
				t.Fatalf("%q printed:\n%s\nwant it to match %s", s.args[:3], out, s.printed)
			}
		}
	})
}
