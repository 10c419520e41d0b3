package dbtest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// SQLite returns the URI of a database file, not yet created, in the test's
// temporary directory.
func SQLite(t testing.TB) mlflowdb.URI {
	t.Helper()
	u, err := mlflowdb.ParseURI("sqlite:///" + filepath.ToSlash(filepath.Join(t.TempDir(), "mlflow.db")))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return u
}

// Dialects runs fn as one subtest per dialect, each with a fresh database.
func Dialects(t *testing.T, fn func(t *testing.T, uri mlflowdb.URI)) {
	t.Helper()
	for _, d := range []mlflowdb.Dialect{mlflowdb.Postgres, mlflowdb.SQLite} {
		t.Run(d.String(), func(t *testing.T) { fn(t, Fresh(t, d)) })
	}
}

// Fresh returns a new, empty database of dialect d: a schema or a file.
func Fresh(t testing.TB, d mlflowdb.Dialect) mlflowdb.URI {
	t.Helper()
	if d == mlflowdb.Postgres {
		return Postgres(t)
	}
	return SQLite(t)
}

// Open opens uri with default options and closes it when the test ends.
func Open(t testing.TB, uri mlflowdb.URI) *mlflowdb.DB {
	t.Helper()
	return OpenWith(t, uri, mlflowdb.Options{})
}

// OpenWith is Open with explicit options.
func OpenWith(t testing.TB, uri mlflowdb.URI, opts mlflowdb.Options) *mlflowdb.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mlflowdb.Open(ctx, uri, opts)
	if err != nil {
		t.Fatalf("dbtest: opening %s: %v", uri.Redacted(), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Migrated runs the sidecar's migrations on uri and returns an open handle,
// closed when the test ends.
func Migrated(t testing.TB, uri mlflowdb.URI) *mlflowdb.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := migrations.Up(ctx, uri, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("dbtest: migrating %s: %v", uri.Redacted(), err)
	}
	return Open(t, uri)
}
