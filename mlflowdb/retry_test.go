package mlflowdb_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// waitFor polls cond until it holds or the test's context ends. It asserts
// nothing about time: it only waits for a state another goroutine reaches.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestAdvisoryLockSerialisesWriters(t *testing.T) {
	ctx := ctxT(t)
	db := itemsDB(t, dbtest.Postgres(t), mlflowdb.Options{})
	watcher := dbtest.Open(t, db.URI())

	waitingOnAdvisoryLock := func() bool {
		var n int64
		// A bigint advisory key shows as classid (high half) and objid (low half).
		err := watcher.Q().QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`, "server/a").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	entered, release := make(chan struct{}), make(chan struct{})
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }

	firstDone := make(chan error, 1)
	go func() {
		var once sync.Once
		firstDone <- db.Write(ctx, func(q mlflowdb.Querier) error {
			once.Do(func() { close(entered) })
			<-release
			note("first")
			return nil
		}, "server/a")
	}()
	<-entered

	// A writer on another key is not held up by the first.
	if err := db.Write(ctx, func(q mlflowdb.Querier) error { note("other key"); return nil }, "server/b"); err != nil {
		t.Fatal(err)
	}

	secondDone := make(chan error, 1)
	go func() {
		secondDone <- db.Write(ctx, func(q mlflowdb.Querier) error { note("second"); return nil }, "server/a", "server/b")
	}()
	waitFor(t, ctx, "the second writer to wait on the advisory lock", waitingOnAdvisoryLock)
	close(release)
	if err := errors.Join(<-firstDone, <-secondDone); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[0] != "other key" || order[1] != "first" || order[2] != "second" {
		t.Fatalf("writers ran in order %q", order)
	}
}

func TestRetryOnSerializationFailure(t *testing.T) {
	// Raising SQLSTATE 40001 from the server makes the retry path run
	// deterministically; the real-conflict case is the deadlock test below.
	const raise = `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`
	tests := []struct {
		name      string
		failures  int32
		wantCalls int32
		wantRows  int64
		wantUnava bool
	}{
		{"succeeds on the second attempt", 1, 2, 1, false},
		{"gives up after MaxAttempts", 10, 3, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			db := itemsDB(t, dbtest.Postgres(t), mlflowdb.Options{MaxAttempts: 3})
			var calls atomic.Int32
			err := db.Write(ctx, func(q mlflowdb.Querier) error {
				if _, err := q.Exec(ctx, insertItem, int64(1), "x", nil, nil, nil); err != nil {
					return err
				}
				if calls.Add(1) <= tt.failures {
					_, err := q.Exec(ctx, raise)
					return err
				}
				return nil
			})
			if got := errors.Is(err, mlflowerr.ErrUnavailable); got != tt.wantUnava || (err != nil) != tt.wantUnava {
				t.Fatalf("Write: %v", err)
			}
			if calls.Load() != tt.wantCalls {
				t.Fatalf("fn ran %d times, want %d", calls.Load(), tt.wantCalls)
			}
			if n := countItems(t, db.Q()); n != tt.wantRows {
				t.Fatalf("%d rows, want %d", n, tt.wantRows)
			}
		})
	}
}

func TestRetryOnDeadlock(t *testing.T) {
	ctx := ctxT(t)
	db := itemsDB(t, dbtest.Postgres(t), mlflowdb.Options{})
	if err := db.Write(ctx, func(q mlflowdb.Querier) error {
		for i, name := range []string{"a", "b"} {
			if _, err := q.Exec(ctx, insertItem, int64(i+1), name, nil, nil, int64(0)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Each writer locks its own row, waits until the other holds its row,
	// then locks the other's: PostgreSQL must abort one with 40P01.
	var barrier sync.WaitGroup
	barrier.Add(2)
	var calls atomic.Int32
	writer := func(first, second int64) error {
		var once sync.Once
		return db.Write(ctx, func(q mlflowdb.Querier) error {
			calls.Add(1)
			if _, err := q.Exec(ctx, `UPDATE items SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			once.Do(func() { barrier.Done(); barrier.Wait() })
			_, err := q.Exec(ctx, `UPDATE items SET n = n + 1 WHERE id = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- writer(1, 2) }()
	go func() { errs <- writer(2, 1) }()
	if err := errors.Join(<-errs, <-errs); err != nil {
		t.Fatalf("writers: %v", err)
	}
	if calls.Load() != 3 {
		t.Fatalf("fn ran %d times, want 3 (one retry after the deadlock)", calls.Load())
	}
	var total int64
	if err := db.Q().QueryRow(ctx, `SELECT sum(n) FROM items`).Scan(&total); err != nil || total != 4 {
		t.Fatalf("sum(n) = %d, %v; want 4 (every update applied exactly once)", total, err)
	}
}

func TestRetryOnBusySQLite(t *testing.T) {
	ctx := ctxT(t)
	uri := dbtest.SQLite(t)
	db := itemsDB(t, uri, mlflowdb.Options{BusyTimeout: 20 * time.Millisecond})

	holder := holdWriteLock(t, uri)

	var retries []error
	mlflowdb.SetRetryHook(db, func(attempt int, err error) {
		retries = append(retries, err)
		if attempt == 1 {
			if err := holder.Commit(); err != nil {
				t.Errorf("releasing the lock: %v", err)
			}
		}
	})
	var calls int
	err := db.Write(ctx, func(q mlflowdb.Querier) error {
		calls++
		_, err := q.Exec(ctx, insertItem, int64(1), "mine", nil, nil, nil)
		return err
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(retries) != 1 {
		t.Fatalf("%d retries (%v), want 1", len(retries), retries)
	}
	if calls > 1 {
		t.Fatalf("fn ran %d times; BEGIN IMMEDIATE should have failed before it", calls)
	}
	if n := countItems(t, db.Q()); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

func TestBusySQLiteGivesUpAsUnavailable(t *testing.T) {
	ctx := ctxT(t)
	uri := dbtest.SQLite(t)
	db := itemsDB(t, uri, mlflowdb.Options{BusyTimeout: time.Millisecond, MaxAttempts: 2})
	holdWriteLock(t, uri)
	err := db.Write(ctx, func(q mlflowdb.Querier) error { return nil })
	if !errors.Is(err, mlflowerr.ErrUnavailable) {
		t.Fatalf("Write while the file is locked: %v, want ErrUnavailable", err)
	}
}

// holdWriteLock makes another writer (a separate handle, as MLflow's would
// be) hold the SQLite file's write lock until the returned transaction ends
// or the test does.
func holdWriteLock(t *testing.T, uri mlflowdb.URI) *sql.Tx {
	t.Helper()
	ctx := ctxT(t)
	other, err := mlflowdb.OpenSQL(uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	holder, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Rollback() })
	if _, err := holder.ExecContext(ctx, `INSERT INTO items (id, name) VALUES (100, 'held')`); err != nil {
		t.Fatal(err)
	}
	return holder
}
