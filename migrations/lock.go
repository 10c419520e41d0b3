package migrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// The key includes the schema, so sidecars of different MLflow databases on
// one PostgreSQL server (or parallel tests) do not wait for each other.
const (
	pgLockSQL   = `SELECT pg_advisory_lock(hashtextextended('mlflow-sidecar migrations ' || current_schema(), 0))`
	pgUnlockSQL = `SELECT pg_advisory_unlock(hashtextextended('mlflow-sidecar migrations ' || current_schema(), 0))`
)

// withLock runs fn while holding the cross-process migration lock of u's
// database, so that two sidecars starting together cannot both decide to
// create the MCP tables: a session advisory lock on PostgreSQL, an flock on
// "<file>.sidecar-migrate.lock" beside a SQLite file.
func withLock(ctx context.Context, u mlflowdb.URI, fn func(*mlflowdb.DB) error) (err error) {
	var unlock func() error
	switch u.Dialect {
	case mlflowdb.Postgres:
		unlock, err = lockPostgres(ctx, u)
	case mlflowdb.SQLite:
		unlock, err = lockFile(ctx, u.Path+".sidecar-migrate.lock")
	default:
		err = fmt.Errorf("migrations: unknown dialect %v", u.Dialect)
	}
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unlock()) }()

	db, err := mlflowdb.Open(ctx, u, mlflowdb.Options{MaxConns: 2, ReadConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func lockPostgres(ctx context.Context, u mlflowdb.URI) (func() error, error) {
	sqlDB, err := mlflowdb.OpenSQL(u)
	if err != nil {
		return nil, err
	}
	// A session lock belongs to one connection: hold that connection.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("migrations: connecting to %s: %w", u.Redacted(), err)
	}
	if _, err := conn.ExecContext(ctx, pgLockSQL); err != nil {
		conn.Close()
		sqlDB.Close()
		return nil, fmt.Errorf("migrations: taking the migration lock: %w", err)
	}
	return func() error {
		// Closing the connection would release the lock too; unlocking first
		// keeps the intent visible and errors reported.
		_, err := conn.ExecContext(context.WithoutCancel(ctx), pgUnlockSQL)
		return errors.Join(err, conn.Close(), sqlDB.Close())
	}, nil
}
