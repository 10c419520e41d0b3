package mlflowdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// DefaultMaxConns is the PostgreSQL pool size when Options.MaxConns is 0. The
// database is shared with MLflow's own pool, so the sidecar stays modest.
const DefaultMaxConns = 8

// pgRunner is what *pgxpool.Pool and pgx.Tx have in common.
type pgRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

type pgQuerier struct {
	db *DB
	tx txParent
	r  pgRunner
}

func (q pgQuerier) Dialect() Dialect { return Postgres }

func (q pgQuerier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if q.db.closed.Load() {
		return 0, unavailable(errClosed)
	}
	ctx, o := q.db.tel.startStmt(q.tx.adopt(ctx), q.db.stmts.get(sql))
	tag, err := q.r.Exec(ctx, sql, args...)
	err = classify(err)
	o.end(ctx, err)
	return tag.RowsAffected(), err
}

func (q pgQuerier) Query(ctx context.Context, sql string, args ...any) (Rows, error) {
	if q.db.closed.Load() {
		return nil, unavailable(errClosed)
	}
	ctx, o := q.db.tel.startStmt(q.tx.adopt(ctx), q.db.stmts.get(sql))
	rows, err := q.r.Query(ctx, sql, args...)
	if err != nil {
		err = classify(err)
		o.end(ctx, err)
		return nil, err
	}
	return &instrumentedRows{ctx: ctx, rows: rows, op: o}, nil
}

func (q pgQuerier) QueryRow(ctx context.Context, sql string, args ...any) Row {
	rows, err := q.Query(ctx, sql, args...)
	return singleRow{rows: rows, err: err}
}

func openPostgres(ctx context.Context, u URI, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(u.ConnString)
	if err != nil {
		// The parse error may quote the connection string, password and all.
		return nil, fmt.Errorf("mlflowdb: invalid PostgreSQL connection settings in %s", u.Redacted())
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		// The registry's statements are short index lookups and small scans;
		// JIT compilation added 30-50 ms to scan-heavy searches on 10k
		// servers. Only the sidecar's own sessions are affected.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, classify(err)
	}
	return pool, nil
}

// pingPostgres pings through the pool, discarding connections the server has
// closed (restart, pg_terminate_backend) until one answers or a fresh
// connection fails. A failed ping therefore empties the pool of dead
// connections, and the first ping after the server returns succeeds.
func (db *DB) pingPostgres(ctx context.Context) error {
	for range db.pool.Config().MaxConns + 1 {
		c, err := db.pool.Acquire(ctx)
		if err != nil {
			return classify(err)
		}
		err = c.Ping(ctx)
		dead := c.Conn().IsClosed()
		c.Release()
		if err == nil {
			return nil
		}
		if !dead {
			return classify(err)
		}
	}
	return unavailable(errors.New("no PostgreSQL connection answered a ping"))
}

var pgReadOptions = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

const advisoryLockSQL = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"

func (db *DB) attemptPostgres(ctx context.Context, kind txKind, parent txParent, locks []string, fn func(Querier) error) error {
	opts := pgx.TxOptions{}
	if kind == txRead {
		// One snapshot for every statement; a read-only REPEATABLE READ
		// transaction never fails with a serialization error.
		opts = pgReadOptions
	}
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return classify(err)
	}
	defer func() {
		// Rollback after Commit is a no-op; after a failure it must run even
		// if ctx is done, or the connection returns to the pool mid-transaction.
		rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rbCtx)
	}()
	q := pgQuerier{db: db, tx: parent, r: tx}
	for _, key := range locks {
		if _, err := q.Exec(ctx, advisoryLockSQL, key); err != nil {
			return err
		}
	}
	if err := fn(q); err != nil {
		return err
	}
	return classify(tx.Commit(ctx))
}

func openPostgresSQL(u URI) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(u.ConnString)
	if err != nil {
		return nil, fmt.Errorf("mlflowdb: invalid PostgreSQL connection settings in %s", u.Redacted())
	}
	return stdlib.OpenDB(*cfg), nil
}
