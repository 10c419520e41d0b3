package migrations

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/golang-migrate/migrate/v4/source"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// mcpDDL matches DDL that names an MCP table.
var mcpDDL = regexp.MustCompile(`(?is)\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX)\b[^;]*\bmcp_`)

// TestMCPMigrationsListed keeps mcpMigrations in step with the SQL: a
// migration that touches MCP tables but is not listed would run against
// MLflow's own tables.
func TestMCPMigrationsListed(t *testing.T) {
	for _, d := range []mlflowdb.Dialect{mlflowdb.Postgres, mlflowdb.SQLite} {
		dir, err := dialectDir(d)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := fs.ReadDir(files, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			m, err := source.Parse(e.Name())
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			body, err := fs.ReadFile(files, dir+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			if touches := mcpDDL.Match(body); touches != mcpMigrations[m.Version] {
				t.Errorf("%s/%s: touches MCP tables = %v, listed in mcpMigrations = %v", dir, e.Name(), touches, mcpMigrations[m.Version])
			}
		}
	}
}

func TestDialectsHaveTheSameVersions(t *testing.T) {
	pg, err := versions(mlflowdb.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := versions(mlflowdb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Fatalf("postgres versions %v, sqlite versions %v", pg, lite)
	}
	for _, d := range []string{"postgres", "sqlite"} {
		for _, v := range pg {
			for _, dir := range []source.Direction{source.Up, source.Down} {
				matches, _ := fs.Glob(files, d+"/*")
				found := false
				for _, name := range matches {
					m, err := source.Parse(name[len(d)+1:])
					if err == nil && m.Version == v && m.Direction == dir {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: version %d has no %s migration", d, v, dir)
				}
			}
		}
	}
}
