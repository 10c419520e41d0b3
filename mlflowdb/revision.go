package mlflowdb

import (
	"context"
	"slices"
	"strings"
)

// TableExists reports whether a table of that name is visible: in the
// connection's current schema on PostgreSQL (the first schema of
// search_path), in the main database on SQLite.
func TableExists(ctx context.Context, q Querier, table string) (bool, error) {
	var query string
	switch q.Dialect() {
	case Postgres:
		query = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1`
	default:
		query = `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	}
	var n int64
	if err := q.QueryRow(ctx, query, table).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// MLflowInitialised reports whether MLflow has initialised this database,
// i.e. whether its alembic_version table exists.
func (db *DB) MLflowInitialised(ctx context.Context) (bool, error) {
	return TableExists(ctx, db.Q(), "alembic_version")
}

// MLflowRevision reads MLflow's alembic revision. ok is false when MLflow has
// not initialised the database. The sidecar only ever reads this table:
// a revision MLflow does not know would stop MLflow from starting.
func (db *DB) MLflowRevision(ctx context.Context) (rev string, ok bool, err error) {
	return MLflowRevision(ctx, db.Q())
}

// MLflowRevision is DB.MLflowRevision on any Querier (e.g. inside Read).
// Several heads, which MLflow never has but alembic allows, are joined with
// commas in sorted order.
func MLflowRevision(ctx context.Context, q Querier) (rev string, ok bool, err error) {
	exists, err := TableExists(ctx, q, "alembic_version")
	if err != nil || !exists {
		return "", false, err
	}
	rows, err := q.Query(ctx, `SELECT version_num FROM alembic_version`)
	if err != nil {
		return "", true, err
	}
	defer rows.Close()
	var revs []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return "", true, err
		}
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return "", true, err
	}
	slices.Sort(revs)
	return strings.Join(revs, ","), true, nil
}
