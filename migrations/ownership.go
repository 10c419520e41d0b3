package migrations

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// RequiredColumns are the columns of MLflow's MCP tables the sidecar reads or
// writes (revision a8b9c0d1e2f3). When MLflow owns the tables, a missing one
// stops the sidecar before it serves a request. Keep this the one list: the
// store package must not use a column that is not here. The hand-over copies
// exactly these columns, table by table in this order, parents before
// children.
var RequiredColumns = []TableColumns{
	{"mcp_servers", []string{"workspace", "name", "display_name", "description", "icons",
		"created_by", "last_updated_by", "created_at", "last_updated_at"}},
	{"mcp_server_versions", []string{"workspace", "name", "version", "version_major", "version_minor",
		"version_patch", "version_prerelease_sort_key", "server_json", "display_name", "status", "tools",
		"source", "created_by", "last_updated_by", "created_at", "last_updated_at"}},
	{"mcp_server_tags", []string{"workspace", "name", "key", "value"}},
	{"mcp_server_version_tags", []string{"workspace", "name", "version", "key", "value"}},
	{"mcp_server_aliases", []string{"workspace", "name", "alias", "version"}},
	{"mcp_access_endpoints", []string{"id", "workspace", "server_name", "server_version", "server_alias",
		"url", "transport_type", "created_by", "last_updated_by", "created_at", "last_updated_at"}},
}

// TableColumns names a table and columns of it.
type TableColumns struct {
	Table   string
	Columns []string
}

const (
	metadataTable = "mlflow_sidecar_metadata"
	ownerKey      = "mcp_tables_owner"

	// The same text works on both dialects. "key" is quoted as MLflow's own
	// DDL quotes it.
	createMetadataSQL = `CREATE TABLE IF NOT EXISTS mlflow_sidecar_metadata (
	"key" VARCHAR(255) NOT NULL,
	value VARCHAR(1024) NOT NULL,
	CONSTRAINT mlflow_sidecar_metadata_pk PRIMARY KEY ("key"))`
	readOwnerSQL   = `SELECT value FROM mlflow_sidecar_metadata WHERE "key" = 'mcp_tables_owner'`
	recordOwnerSQL = `INSERT INTO mlflow_sidecar_metadata ("key", value) VALUES ('mcp_tables_owner', $1)`
	deleteOwnerSQL = `DELETE FROM mlflow_sidecar_metadata WHERE "key" = 'mcp_tables_owner'`
	readVersionSQL = `SELECT version, dirty FROM mlflow_sidecar_schema_migrations`

	pgColumnsSQL     = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`
	sqliteColumnsSQL = `SELECT name FROM pragma_table_info($1)`
)

// schemaFacts is what the database says, before any judgement.
type schemaFacts struct {
	version     uint
	dirty       bool
	owner       Owner // OwnerNone when not recorded
	present     []string
	missing     []string
	missingCols []string
	held        []TableRows // holding tables of a hand-over that exist
	heldMissing []string    // holding tables of a hand-over that do not
}

func (f *schemaFacts) read(ctx context.Context, q mlflowdb.Querier) error {
	f.owner = OwnerNone
	if ok, err := mlflowdb.TableExists(ctx, q, VersionTable); err != nil {
		return err
	} else if ok {
		var v int64
		err := q.QueryRow(ctx, readVersionSQL).Scan(&v, &f.dirty)
		if err != nil && !errors.Is(err, mlflowdb.ErrNoRows) {
			return err
		}
		if v > 0 {
			f.version = uint(v)
		}
	}
	if ok, err := mlflowdb.TableExists(ctx, q, metadataTable); err != nil {
		return err
	} else if ok {
		var owner string
		err := q.QueryRow(ctx, readOwnerSQL).Scan(&owner)
		if err != nil && !errors.Is(err, mlflowdb.ErrNoRows) {
			return err
		}
		if owner != "" {
			f.owner = Owner(owner)
		}
	}
	for _, tc := range RequiredColumns {
		cols, err := tableColumns(ctx, q, tc.Table)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			f.missing = append(f.missing, tc.Table)
			continue
		}
		f.present = append(f.present, tc.Table)
		for _, c := range tc.Columns {
			if !slices.Contains(cols, c) {
				f.missingCols = append(f.missingCols, tc.Table+"."+c)
			}
		}
	}
	return f.readHeld(ctx, q)
}

// readHeld finds the hand-over's holding tables and counts their rows.
func (f *schemaFacts) readHeld(ctx context.Context, q mlflowdb.Querier) error {
	for _, tc := range RequiredColumns {
		h := holdingTable(tc.Table)
		ok, err := mlflowdb.TableExists(ctx, q, h)
		if err != nil {
			return err
		}
		if !ok {
			f.heldMissing = append(f.heldMissing, h)
			continue
		}
		n, err := countRows(ctx, q, h)
		if err != nil {
			return err
		}
		f.held = append(f.held, TableRows{h, n})
	}
	return nil
}

func tableColumns(ctx context.Context, q mlflowdb.Querier, table string) ([]string, error) {
	query := sqliteColumnsSQL
	if q.Dialect() == mlflowdb.Postgres {
		query = pgColumnsSQL
	}
	rows, err := q.Query(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// judge fills the ownership fields and problems of s from the facts.
func (f *schemaFacts) judge(s *Status) {
	s.Owner, s.OwnerRecorded = f.owner, f.owner != OwnerNone
	s.Held = f.held
	all, none := len(f.missing) == 0, len(f.present) == 0
	problem := func(format string, args ...any) { s.Problems = append(s.Problems, fmt.Sprintf(format, args...)) }

	if s.Dirty {
		problem("sidecar schema version %d is dirty: a migration failed part-way; check the MCP tables, then set %s to the last version that completed (dirty = false)",
			s.Version, VersionTable)
	}
	if s.Version > s.Latest {
		problem("sidecar schema version %d is newer than this sidecar knows (%d); run a newer mlflow-sidecar", s.Version, s.Latest)
	}
	switch {
	case f.owner == OwnerHandover:
		f.judgeHandover(s, problem)
	case !all && !none:
		s.MissingTables = f.missing
		problem("only some MCP tables exist (present: %s; missing: %s); the sidecar will not create or guess the rest: restore them or drop the others",
			strings.Join(f.present, ", "), strings.Join(f.missing, ", "))
	case none && s.OwnerRecorded:
		s.MissingTables = f.missing
		problem("the MCP tables recorded as created by %s are missing (%s)", f.owner, strings.Join(f.missing, ", "))
	case none && s.Version > 0:
		s.MissingTables = f.missing
		problem("sidecar schema version %d is recorded but the MCP tables are missing (%s)", s.Version, strings.Join(f.missing, ", "))
	case all && !s.OwnerRecorded && s.Version > 0:
		problem("the MCP tables exist and sidecar schema version %d is recorded, but %s has no owner record; restore it or reset %s",
			s.Version, metadataTable, VersionTable)
	case all && !s.OwnerRecorded:
		// MLflow 3.15+ created them: adopt them as they are.
		s.Owner = OwnerMLflow
	}
	if all {
		s.MissingColumns = f.missingCols
		if len(f.missingCols) > 0 {
			problem("the MCP tables lack columns the sidecar needs: %s (MLflow's schema is older or newer than the one the sidecar supports)",
				strings.Join(f.missingCols, ", "))
		}
	}
}

// judgeHandover explains a hand-over in progress: nothing may use or create
// the MCP tables until `migrate handover complete` has moved the held rows
// into the tables MLflow creates.
func (f *schemaFacts) judgeHandover(s *Status, problem func(string, ...any)) {
	s.MissingTables = f.missing
	if len(f.heldMissing) > 0 {
		problem("the hand-over's holding tables %s are missing: the rows they held are gone from this database; restore them from a backup",
			strings.Join(f.heldMissing, ", "))
	}
	switch {
	case len(f.present) == 0:
		problem("the MCP tables are being handed over to MLflow: stop every sidecar, upgrade MLflow to 3.15 or later and run `mlflow db upgrade`, then run `mlflow-sidecar migrate handover complete`")
	case len(f.missing) == 0:
		problem("the MCP tables are being handed over to MLflow, which has created them: run `mlflow-sidecar migrate handover complete` to move the sidecar's rows into them")
	default:
		problem("the MCP tables are being handed over to MLflow, but only some exist (present: %s; missing: %s): finish `mlflow db upgrade`, then run `mlflow-sidecar migrate handover complete`",
			strings.Join(f.present, ", "), strings.Join(f.missing, ", "))
	}
}

// requireSQLiteFile refuses to go on when a SQLite file does not exist, for
// the read-only paths that must not create one.
func requireSQLiteFile(u mlflowdb.URI) error {
	if u.Dialect != mlflowdb.SQLite {
		return nil
	}
	if _, err := os.Stat(u.Path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("migrations: SQLite database file %s does not exist", u.Path)
	} else if err != nil {
		return err
	}
	return nil
}
