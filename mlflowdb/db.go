package mlflowdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"
)

// Options tune Open. The zero value is a sensible production setting.
type Options struct {
	// MaxConns is the PostgreSQL pool size (default DefaultMaxConns).
	MaxConns int32
	// ReadConns is the SQLite reader pool size (default DefaultReadConns).
	ReadConns int
	// BusyTimeout is SQLite's busy_timeout (default DefaultBusyTimeout, as
	// MLflow). Only tests have a reason to shorten it.
	BusyTimeout time.Duration
	// MaxAttempts bounds how often Read and Write run fn when the database
	// asks for a retry (default DefaultMaxAttempts).
	MaxAttempts int
}

// DefaultMaxAttempts is how often a transaction is tried before a
// serialization failure, deadlock or busy file is reported as unavailable.
const DefaultMaxAttempts = 4

// DB is the sidecar's handle on MLflow's database. It is safe for concurrent
// use.
type DB struct {
	uri         URI
	stmts       *stmtCache
	tel         *telemetry
	maxAttempts int
	closed      atomic.Bool

	pool *pgxpool.Pool // PostgreSQL

	writer, reader *sql.DB     // SQLite
	fileInfo       os.FileInfo // SQLite: the file that was opened

	// onRetry, when set (tests only), is called before each retry.
	onRetry func(attempt int, err error)
}

// Open connects to the database u names and checks that it answers. A
// database that cannot be reached is reported as mlflowerr.ErrUnavailable.
func Open(ctx context.Context, u URI, opts Options) (*DB, error) {
	tel, err := newTelemetry(u.Dialect)
	if err != nil {
		return nil, fmt.Errorf("mlflowdb: telemetry instruments: %w", err)
	}
	db := &DB{uri: u, stmts: &stmtCache{dialect: u.Dialect}, tel: tel, maxAttempts: opts.MaxAttempts}
	if db.maxAttempts <= 0 {
		db.maxAttempts = DefaultMaxAttempts
	}
	switch u.Dialect {
	case Postgres:
		if db.pool, err = openPostgres(ctx, u, opts); err != nil {
			return nil, err
		}
		if err := db.pingPostgres(ctx); err != nil {
			db.pool.Close()
			return nil, fmt.Errorf("mlflowdb: connecting to %s: %w", u.Redacted(), err)
		}
	case SQLite:
		if db.writer, db.reader, err = openSQLite(u, opts); err != nil {
			return nil, err
		}
		// The first connection creates a missing file; only then can its
		// identity be recorded for Ping.
		var n int64
		err := sqliteQuerier{db: db, r: db.reader}.QueryRow(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
		if err == nil {
			db.fileInfo, err = os.Stat(u.Path)
			err = classify(err)
		}
		if err != nil {
			db.writer.Close()
			db.reader.Close()
			return nil, fmt.Errorf("mlflowdb: opening %s: %w", u.Redacted(), unavailable(err))
		}
	default:
		return nil, fmt.Errorf("mlflowdb: unknown dialect %v", u.Dialect)
	}
	return db, nil
}

// Dialect is the database's SQL dialect.
func (db *DB) Dialect() Dialect { return db.uri.Dialect }

// URI is the URI the database was opened with.
func (db *DB) URI() URI { return db.uri }

// Ping reports whether the database answers now. It is cheap enough for a
// readiness probe and recovers on its own when the database comes back.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed.Load() {
		return unavailable(errClosed)
	}
	if db.uri.Dialect == Postgres {
		return db.pingPostgres(ctx)
	}
	return db.pingSQLite(ctx)
}

// Close releases every connection. Later calls fail as unavailable.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	if db.pool != nil {
		db.pool.Close()
		return nil
	}
	return errors.Join(db.writer.Close(), db.reader.Close())
}

// Q runs single statements in autocommit mode, for reads that need no
// consistency across statements. On SQLite it uses the read-only pool, so a
// write through Q fails; on PostgreSQL writes through Q are a bug of the
// caller even though nothing stops them.
func (db *DB) Q() Querier {
	if db.uri.Dialect == Postgres {
		return pgQuerier{db: db, r: db.pool}
	}
	return sqliteQuerier{db: db, r: db.reader}
}

// Read runs fn in a read-only transaction with one snapshot for all its
// statements (PostgreSQL REPEATABLE READ; a SQLite read transaction).
func (db *DB) Read(ctx context.Context, fn func(Querier) error) error {
	return db.run(ctx, txRead, nil, fn)
}

// Write runs fn in one read-write transaction and commits it if fn returns
// nil; any error rolls everything back.
//
// On PostgreSQL each lock key is first taken as a transaction-scoped advisory
// lock (sorted and deduplicated, so two writers cannot deadlock on them), so
// writers naming the same key run one after the other. Callers namespace and
// length-prefix their keys (e.g. "mcp-server:<len(ws)>:<ws>:<name>"); a key
// must not contain NUL, which PostgreSQL text cannot hold. On SQLite all writes are
// already serial and the keys are ignored.
//
// fn may run more than once: serialization failures and deadlocks
// (PostgreSQL 40001/40P01) and a busy or locked file (SQLite) restart the
// whole transaction, a bounded number of times with jittered backoff, before
// the failure is reported as mlflowerr.ErrUnavailable. fn must therefore
// touch nothing outside q that a second run would get wrong (no sends on
// channels, no appends to outer slices without resetting them), and it must
// use only q: a second transaction opened inside fn can deadlock.
func (db *DB) Write(ctx context.Context, fn func(Querier) error, locks ...string) error {
	return db.run(ctx, txWrite, normaliseLocks(locks), fn)
}

func normaliseLocks(locks []string) []string {
	if len(locks) < 2 {
		return locks
	}
	sorted := slices.Clone(locks)
	slices.Sort(sorted)
	return slices.Compact(sorted)
}

func (db *DB) run(ctx context.Context, kind txKind, locks []string, fn func(Querier) error) (err error) {
	if db.closed.Load() {
		return unavailable(errClosed)
	}
	outer := trace.SpanContextFromContext(ctx)
	ctx, span, start := db.tel.startTx(ctx, kind)
	parent := txParent{span: span, outer: outer}
	attempt := 1
	defer func() { db.tel.endTx(ctx, kind, span, start, attempt, err) }()
	for ; ; attempt++ {
		if db.uri.Dialect == Postgres {
			err = db.attemptPostgres(ctx, kind, parent, locks, fn)
		} else {
			err = db.attemptSQLite(ctx, kind, parent, fn)
		}
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= db.maxAttempts {
			return unavailable(fmt.Errorf("gave up after %d attempts: %w", attempt, err))
		}
		if db.onRetry != nil {
			db.onRetry(attempt, err)
		}
		if werr := sleep(ctx, backoff(attempt)); werr != nil {
			return errors.Join(werr, err)
		}
	}
}

// backoff is full jitter over 5ms·2^(attempt-1), capped at 200ms: the other
// party usually finishes within milliseconds, and SQLite has already waited
// its busy timeout.
func backoff(attempt int) time.Duration {
	ceiling := min(5*time.Millisecond<<(attempt-1), 200*time.Millisecond)
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
