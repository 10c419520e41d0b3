package mlflowdb

import (
	"context"
	"errors"
)

// Dialect is the SQL dialect of the backend store.
type Dialect int

const (
	Postgres Dialect = iota + 1
	SQLite
)

func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgresql"
	case SQLite:
		return "sqlite"
	}
	return "unknown"
}

// Querier runs SQL inside a transaction (or, for DB.Read outside one, as a
// single autocommit statement).
type Querier interface {
	// Exec runs a statement and returns the number of affected rows.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a query; the caller must Close the rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row; Scan returns
	// ErrNoRows when it returned none.
	QueryRow(ctx context.Context, sql string, args ...any) Row
	// Dialect tells store code which SQL variant to send.
	Dialect() Dialect
}

// Rows is a forward-only result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// ErrNoRows is returned by Row.Scan when the query returned no row.
var ErrNoRows = errors.New("mlflowdb: no rows in result set")
