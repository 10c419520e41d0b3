package mlflowdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultReadConns is the size of the SQLite reader pool when
// Options.ReadConns is 0.
const DefaultReadConns = 4

// DefaultBusyTimeout is MLflow's own busy_timeout: how long a statement waits
// for a lock another connection (often MLflow's) holds on the file.
const DefaultBusyTimeout = 20 * time.Second

// sqliteDSN builds a modernc.org/sqlite DSN with the pragmas MLflow sets on
// every connection of its own. The journal mode is left alone on purpose:
// changing it would change MLflow's file.
func sqliteDSN(path string, busy time.Duration, txlock string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "case_sensitive_like(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	// A file: URI keeps any character of the path (?, #, %) out of the query.
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

func openSQLite(u URI, opts Options) (writer, reader *sql.DB, err error) {
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	// One writer connection whose transactions begin IMMEDIATE: writers queue
	// in Go instead of failing with SQLITE_BUSY when a deferred transaction
	// tries to upgrade its lock.
	writer, err = sql.Open("sqlite", sqliteDSN(u.Path, busy, "immediate", false))
	if err != nil {
		return nil, nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)

	n := opts.ReadConns
	if n <= 0 {
		n = DefaultReadConns
	}
	// Readers are query_only: a write through Q or Read fails instead of
	// slipping past the writer's serialisation.
	reader, err = sql.Open("sqlite", sqliteDSN(u.Path, busy, "", true))
	if err != nil {
		writer.Close()
		return nil, nil, err
	}
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	return writer, reader, nil
}

// OpenSQL opens a database/sql handle on u with the same per-connection
// settings as Open (pgx stdlib for PostgreSQL; modernc.org/sqlite with
// MLflow's pragmas and IMMEDIATE transactions for SQLite, on one connection
// so that database/sql cannot race itself for the file lock). It is for
// tools that need database/sql, such as migrations.
func OpenSQL(u URI) (*sql.DB, error) {
	switch u.Dialect {
	case Postgres:
		return openPostgresSQL(u)
	case SQLite:
		db, err := sql.Open("sqlite", sqliteDSN(u.Path, DefaultBusyTimeout, "immediate", false))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return db, nil
	}
	return nil, fmt.Errorf("mlflowdb: unknown dialect %v", u.Dialect)
}

// sqlRunner is what *sql.DB and *sql.Tx have in common.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqliteQuerier struct {
	db *DB
	tx txParent
	r  sqlRunner
}

func (q sqliteQuerier) Dialect() Dialect { return SQLite }

func (q sqliteQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if q.db.closed.Load() {
		return 0, unavailable(errClosed)
	}
	st := q.db.stmts.get(query)
	ctx, o := q.db.tel.startStmt(q.tx.adopt(ctx), st)
	res, err := q.r.ExecContext(ctx, st.sqlite, args...)
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	err = classify(err)
	o.end(ctx, err)
	return n, err
}

func (q sqliteQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if q.db.closed.Load() {
		return nil, unavailable(errClosed)
	}
	st := q.db.stmts.get(query)
	ctx, o := q.db.tel.startStmt(q.tx.adopt(ctx), st)
	rows, err := q.r.QueryContext(ctx, st.sqlite, args...)
	if err != nil {
		err = classify(err)
		o.end(ctx, err)
		return nil, err
	}
	return &instrumentedRows{ctx: ctx, rows: rows, op: o}, nil
}

func (q sqliteQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	rows, err := q.Query(ctx, query, args...)
	return singleRow{rows: rows, err: err}
}

// pingSQLite checks that the path still names the file that was opened (a
// deleted or replaced file would leave the sidecar writing to a ghost that
// MLflow no longer sees) and that the file can be read.
func (db *DB) pingSQLite(ctx context.Context) error {
	fi, err := os.Stat(db.uri.Path)
	if err != nil {
		return unavailable(fmt.Errorf("SQLite database file: %w", err))
	}
	if !os.SameFile(fi, db.fileInfo) {
		return unavailable(fmt.Errorf("SQLite database file %s was replaced since the sidecar opened it; restart the sidecar", db.uri.Path))
	}
	var n int64
	err = sqliteQuerier{db: db, r: db.reader}.QueryRow(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
	return err
}

func (db *DB) attemptSQLite(ctx context.Context, kind txKind, parent txParent, fn func(Querier) error) error {
	pool, opts := db.writer, (*sql.TxOptions)(nil)
	if kind == txRead {
		// A deferred read transaction holds one snapshot and never blocks
		// the writer for longer than it runs.
		pool, opts = db.reader, &sql.TxOptions{ReadOnly: true}
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return classify(err)
	}
	if err := fn(sqliteQuerier{db: db, tx: parent, r: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if !errors.Is(err, sql.ErrTxDone) {
			_ = tx.Rollback()
		}
		return classify(err)
	}
	return nil
}
