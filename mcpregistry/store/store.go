// Package store is the SQL of the MCP registry: the six MCP tables MLflow
// owns, on PostgreSQL and SQLite, behind mcpregistry.Store.
//
// Every view the API shows (a server with its latest version, aliases, tags
// and resolvable endpoints; a version with its aliases and tags; an endpoint
// with its resolved version) is read by one statement, which nests the related
// rows as JSON built by the database. One statement is one snapshot on both
// databases, so a view never shows half of a concurrent write, and a search
// page costs one round trip however many rows it holds (no N+1).
//
// SQL text is built only from constants of this package; every value a client
// sends (names, filter operands, page positions) is a bind parameter.
package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// New returns the registry's Store over db.
func New(db *mlflowdb.DB) mcpregistry.Store { return &sqlStore{db: db} }

type sqlStore struct{ db *mlflowdb.DB }

// errNeedSnapshot stops a read that started in autocommit mode (see Read)
// before its second statement; the read is then run again in a transaction.
var errNeedSnapshot = errors.New("store: read needs a snapshot transaction")

// Read first runs fn in autocommit mode (see autocommit.go): fn gets each
// answer from a single statement, and only sequences of statements whose
// answers are provably those of one snapshot are allowed. On PostgreSQL a
// transaction would add two round trips (BEGIN, COMMIT) to the one or two
// that do the work. Any other sequence is stopped before the statement that
// could break consistency, and fn is run again, from the start, in one read
// transaction (db.Read), where every statement sees the same snapshot. fn
// may therefore run twice; the service's read functions only assign their
// results, which a second run overwrites.
func (s *sqlStore) Read(ctx context.Context, fn func(mcpregistry.Tx) error) error {
	err := fn(&tx{q: s.db.Q(), auto: &autocommit{}})
	if !errors.Is(err, errNeedSnapshot) {
		return err
	}
	return s.db.Read(ctx, func(q mlflowdb.Querier) error { return fn(&tx{q: q}) })
}

// Write runs fn in one transaction holding the server's lock.
func (s *sqlStore) Write(ctx context.Context, ws, name string, fn func(mcpregistry.Tx) error) error {
	return s.db.Write(ctx, func(q mlflowdb.Querier) error { return fn(&tx{q: q, write: true}) }, lockKey(ws, name))
}

// lockKey names the server's write lock. The workspace is length-prefixed so
// that no (workspace, name) pair can spell another pair's key, and no NUL is
// used as a separator because PostgreSQL text cannot hold one.
func lockKey(ws, name string) string {
	return "mcp-server:" + strconv.Itoa(len(ws)) + ":" + ws + ":" + name
}

// tx implements mcpregistry.Tx over one Querier.
type tx struct {
	q mlflowdb.Querier
	// auto is set in autocommit mode (see Read).
	auto  *autocommit
	write bool
}

var _ mcpregistry.Tx = (*tx)(nil)

func (t *tx) dialect() mlflowdb.Dialect { return t.q.Dialect() }

// view admits a statement that is a complete answer on its own: in
// autocommit mode, only as the read's first statement.
func (t *tx) view() error {
	if t.auto == nil {
		return nil
	}
	if t.auto.statements > 0 {
		return errNeedSnapshot
	}
	t.auto.statements++
	return nil
}

// lookup admits a plain row lookup. The service's reads only look up rows
// that autocommit mode answers from a probe (see autocommit.go); any other
// lookup asks for the transaction at once.
func (t *tx) lookup() error {
	if t.auto != nil {
		return errNeedSnapshot
	}
	return nil
}

var errReadOnly = errors.New("store: write attempted in a read transaction")

// change admits a data change: only inside Write, whose lock and
// transaction the registry's invariants depend on.
func (t *tx) change() error {
	if !t.write {
		return errReadOnly
	}
	return nil
}
