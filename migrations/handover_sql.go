package migrations

import (
	"context"
	"slices"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// The hand-over's statements are built from RequiredColumns, the one list of
// the MCP tables' columns, and HandoverTablePrefix: constants of this
// package, never input. Every name is quoted because "key" is a keyword.

// HandoverTablePrefix starts the names of the hand-over's holding tables; the
// MCP table's name follows. CREATE TABLE ... AS SELECT gives them no index or
// constraint, so no name in them can collide with one MLflow creates.
const HandoverTablePrefix = "mlflow_sidecar_handover_"

const setOwnerSQL = `UPDATE mlflow_sidecar_metadata SET value = $1 WHERE "key" = 'mcp_tables_owner' AND value = $2`

// TableRows is a table and how many rows it holds.
type TableRows struct {
	Table string
	Rows  int64
}

func holdingTable(table string) string { return HandoverTablePrefix + table }

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func columnList(tc TableColumns) string {
	cols := make([]string, len(tc.Columns))
	for i, c := range tc.Columns {
		cols[i] = quoteIdent(c)
	}
	return strings.Join(cols, ", ")
}

// holdSQL copies an MCP table into its holding table, column for column.
func holdSQL(tc TableColumns) string {
	return "CREATE TABLE " + quoteIdent(holdingTable(tc.Table)) + " AS SELECT " + columnList(tc) +
		" FROM " + quoteIdent(tc.Table)
}

// restoreSQL copies a holding table into MLflow's MCP table. The explicit
// column list leaves any column MLflow has beyond RequiredColumns to its
// default.
func restoreSQL(tc TableColumns) string {
	cols := columnList(tc)
	return "INSERT INTO " + quoteIdent(tc.Table) + " (" + cols + ") SELECT " + cols +
		" FROM " + quoteIdent(holdingTable(tc.Table))
}

func dropSQL(table string) string { return "DROP TABLE " + quoteIdent(table) }

func countRows(ctx context.Context, q mlflowdb.Querier, table string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&n)
	return n, err
}

// lockMCPTables takes PostgreSQL's strongest table lock on the six MCP tables
// until the transaction ends. A row written between the copy and the drop (by
// a sidecar that was not stopped, or MLflow's own registry) would be lost, or
// would block the copy back. SQLite needs nothing: a write transaction there
// already excludes other writers.
func lockMCPTables(ctx context.Context, q mlflowdb.Querier) error {
	if q.Dialect() != mlflowdb.Postgres {
		return nil
	}
	names := make([]string, len(RequiredColumns))
	for i, tc := range RequiredColumns {
		names[i] = quoteIdent(tc.Table)
	}
	_, err := q.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN ACCESS EXCLUSIVE MODE")
	return err
}

// columnMismatch compares a table's columns with want (in the form
// "table.column"): columns it lacks and columns it has beyond want.
func columnMismatch(ctx context.Context, q mlflowdb.Querier, table string, want []string) (missing, extra []string, err error) {
	have, err := tableColumns(ctx, q, table)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range want {
		if !slices.Contains(have, c) {
			missing = append(missing, table+"."+c)
		}
	}
	for _, c := range have {
		if !slices.Contains(want, c) {
			extra = append(extra, table+"."+c)
		}
	}
	return missing, extra, nil
}

// setOwner moves the owner record from one state to the next; anything but
// exactly one row changed means another process moved it first.
func setOwner(ctx context.Context, q mlflowdb.Querier, from, to Owner) error {
	n, err := q.Exec(ctx, setOwnerSQL, string(to), string(from))
	if err != nil {
		return err
	}
	if n != 1 {
		return refuse("the MCP table owner is no longer %q (changed by another process)", from)
	}
	return nil
}
