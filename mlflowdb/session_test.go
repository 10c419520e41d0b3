package mlflowdb_test

import (
	"context"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// TestSQLiteSessionSettings checks MLflow's per-connection pragmas on both
// pools, and that the journal mode of MLflow's file is left as it was.
func TestSQLiteSessionSettings(t *testing.T) {
	for _, journal := range []string{"delete", "wal"} {
		t.Run(journal, func(t *testing.T) {
			ctx := ctxT(t)
			uri := dbtest.SQLite(t)
			// MLflow (another process) created the file in this journal mode.
			mlflow, err := mlflowdb.OpenSQL(uri)
			if err != nil {
				t.Fatal(err)
			}
			var mode string
			if err := mlflow.QueryRowContext(ctx, "PRAGMA journal_mode = "+journal).Scan(&mode); err != nil || mode != journal {
				t.Fatalf("setting up journal_mode: %q, %v", mode, err)
			}
			mlflow.Close()

			db := itemsDB(t, uri, mlflowdb.Options{})
			check := func(q mlflowdb.Querier) error {
				var fk, busy, likeCI int64
				var jm string
				for _, c := range []struct {
					sql  string
					dest any
				}{
					{"PRAGMA foreign_keys", &fk}, {"PRAGMA busy_timeout", &busy},
					{"SELECT 'A' LIKE 'a'", &likeCI}, {"PRAGMA journal_mode", &jm},
				} {
					if err := q.QueryRow(ctx, c.sql).Scan(c.dest); err != nil {
						return err
					}
				}
				if fk != 1 || busy != 20000 || likeCI != 0 || jm != journal {
					t.Errorf("foreign_keys=%d busy_timeout=%d 'A' LIKE 'a'=%d journal_mode=%s", fk, busy, likeCI, jm)
				}
				return nil
			}
			if err := db.Write(ctx, check); err != nil {
				t.Fatal(err)
			}
			if err := db.Read(ctx, check); err != nil {
				t.Fatal(err)
			}
			if err := check(db.Q()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReadHasOneSnapshot: a PostgreSQL Read sees the database as of its
// first statement, even when a Write commits in between.
func TestReadHasOneSnapshot(t *testing.T) {
	ctx := ctxT(t)
	db := itemsDB(t, dbtest.Postgres(t), mlflowdb.Options{})
	err := db.Read(ctx, func(q mlflowdb.Querier) error {
		first := countItems(t, q)
		if err := db.Write(context.Background(), func(w mlflowdb.Querier) error {
			_, err := w.Exec(ctx, insertItem, int64(1), "new", nil, nil, nil)
			return err
		}); err != nil {
			return err
		}
		if second := countItems(t, q); second != first {
			t.Errorf("count changed inside one Read: %d then %d", first, second)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, db.Q()); n != 1 {
		t.Fatalf("after the Write: %d rows", n)
	}
}
