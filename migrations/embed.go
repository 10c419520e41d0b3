package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/golang-migrate/migrate/v4/source"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// VersionTable is golang-migrate's version table for the sidecar's lineage,
// kept apart from MLflow's alembic_version.
const VersionTable = "mlflow_sidecar_schema_migrations"

// mcpMigrations are the versions that create or change MLflow's MCP tables.
// When MLflow owns those tables they are recorded as applied without running.
// TestMCPMigrationsListed keeps this set in step with the SQL files.
var mcpMigrations = map[uint]bool{1: true}

func dialectDir(d mlflowdb.Dialect) (string, error) {
	switch d {
	case mlflowdb.Postgres:
		return "postgres", nil
	case mlflowdb.SQLite:
		return "sqlite", nil
	}
	return "", fmt.Errorf("migrations: unknown dialect %v", d)
}

// versions lists the embedded migration versions of a dialect, ascending.
func versions(d mlflowdb.Dialect) ([]uint, error) {
	dir, err := dialectDir(d)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, err
	}
	var vs []uint
	for _, e := range entries {
		m, err := source.Parse(e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrations: %s/%s: %w", dir, e.Name(), err)
		}
		if m.Direction == source.Up {
			vs = append(vs, m.Version)
		}
	}
	slices.Sort(vs)
	return vs, nil
}

// Latest is the newest embedded migration version of a dialect.
func Latest(d mlflowdb.Dialect) (uint, error) {
	vs, err := versions(d)
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[len(vs)-1], nil
}
