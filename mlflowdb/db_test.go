package mlflowdb_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// The same DDL works on both dialects; JSON is a real json column on
// PostgreSQL and a NUMERIC-affinity column on SQLite, as in MLflow's schema.
const createItems = `CREATE TABLE items (
	id BIGINT NOT NULL,
	name VARCHAR(64) NOT NULL,
	doc JSON,
	note VARCHAR(64),
	n BIGINT,
	CONSTRAINT items_pk PRIMARY KEY (id),
	CONSTRAINT items_name_uq UNIQUE (name))`

const createChildren = `CREATE TABLE children (
	id BIGINT NOT NULL,
	item_id BIGINT NOT NULL,
	CONSTRAINT children_pk PRIMARY KEY (id),
	CONSTRAINT children_item_fkey FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE)`

const insertItem = `INSERT INTO items (id, name, doc, note, n) VALUES ($1, $2, $3, $4, $5)`

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// itemsDB opens a fresh database with the items and children tables.
func itemsDB(t *testing.T, uri mlflowdb.URI, opts mlflowdb.Options) *mlflowdb.DB {
	t.Helper()
	db := dbtest.OpenWith(t, uri, opts)
	err := db.Write(ctxT(t), func(q mlflowdb.Querier) error {
		for _, ddl := range []string{createItems, createChildren} {
			if _, err := q.Exec(context.Background(), ddl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("creating tables: %v", err)
	}
	return db
}

func countItems(t *testing.T, q mlflowdb.Querier) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRow(context.Background(), `SELECT count(*) FROM items`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestWriteReadQ(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		ctx := ctxT(t)
		db := itemsDB(t, uri, mlflowdb.Options{})
		if db.Dialect() != uri.Dialect {
			t.Fatalf("Dialect() = %v, want %v", db.Dialect(), uri.Dialect)
		}
		err := db.Write(ctx, func(q mlflowdb.Querier) error {
			for i, name := range []string{"b", "a", "c"} {
				n, err := q.Exec(ctx, insertItem, int64(i+1), name, `{"i":1}`, nil, nil)
				if err != nil || n != 1 {
					return errors.Join(err, errors.New("insert affected no row"))
				}
			}
			// A placeholder used twice and out of order binds by number.
			n, err := q.Exec(ctx, `UPDATE items SET note = $2 WHERE name = $1 OR note = $2`, "a", "first")
			if n != 1 {
				t.Errorf("update affected %d rows, want 1", n)
			}
			return err
		}, "items", "items")
		if err != nil {
			t.Fatalf("Write: %v", err)
		}

		var names []string
		rows, err := db.Q().Query(ctx, `SELECT name FROM items WHERE id >= $1 ORDER BY name`, int64(1))
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			names = append(names, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		rows.Close() // Close is idempotent
		if len(names) != 3 || names[0] != "a" || names[2] != "c" {
			t.Fatalf("names = %q", names)
		}

		err = db.Read(ctx, func(q mlflowdb.Querier) error {
			if q.Dialect() != uri.Dialect {
				t.Errorf("Querier.Dialect() = %v", q.Dialect())
			}
			if n := countItems(t, q); n != 3 {
				t.Errorf("count = %d, want 3", n)
			}
			var note string
			return q.QueryRow(ctx, `SELECT note FROM items WHERE name = $1`, "a").Scan(&note)
		})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		var id int64
		if err := db.Q().QueryRow(ctx, `SELECT id FROM items WHERE name = $1`, "nope").Scan(&id); !errors.Is(err, mlflowdb.ErrNoRows) {
			t.Fatalf("QueryRow on no row: %v, want ErrNoRows", err)
		}
	})
}

func TestWriteRollsBackOnError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		fn   func(ctx context.Context, q mlflowdb.Querier) error
		want func(error) bool
	}{
		{"fn error", func(ctx context.Context, q mlflowdb.Querier) error {
			if _, err := q.Exec(ctx, insertItem, int64(10), "x", nil, nil, nil); err != nil {
				return err
			}
			return errBoom
		}, func(err error) bool { return errors.Is(err, errBoom) }},
		{"statement error after a write", func(ctx context.Context, q mlflowdb.Querier) error {
			if _, err := q.Exec(ctx, insertItem, int64(10), "x", nil, nil, nil); err != nil {
				return err
			}
			_, err := q.Exec(ctx, insertItem, int64(11), "x", nil, nil, nil)
			return err
		}, mlflowdb.IsUniqueViolation},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		db := itemsDB(t, uri, mlflowdb.Options{})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := ctxT(t)
				err := db.Write(ctx, func(q mlflowdb.Querier) error { return tt.fn(ctx, q) })
				if !tt.want(err) {
					t.Fatalf("Write returned %v", err)
				}
				if n := countItems(t, db.Q()); n != 0 {
					t.Fatalf("%d rows left after a failed Write", n)
				}
			})
		}
	})
}

func TestValueConventions(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		ctx := ctxT(t)
		db := itemsDB(t, uri, mlflowdb.Options{})
		const doc = `{"name":"io.github.x/y","tools":[{"name":"t"}]}`
		err := db.Write(ctx, func(q mlflowdb.Querier) error {
			if _, err := q.Exec(ctx, insertItem, int64(math.MaxInt64), "full", doc, "a note", int64(-7)); err != nil {
				return err
			}
			var nilNote *string
			_, err := q.Exec(ctx, insertItem, int64(2), "empty", nil, nilNote, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		var (
			id      int64
			docB    []byte
			docS    *string
			note    *string
			noteP   *string
			n       *int64
			typeDoc string
		)
		err = db.Q().QueryRow(ctx, `SELECT id, doc, doc, note, note, n FROM items WHERE name = $1`, "full").
			Scan(&id, &docB, &docS, &note, &noteP, &n)
		if err != nil {
			t.Fatal(err)
		}
		if id != math.MaxInt64 || string(docB) != doc || docS == nil || *docS != doc ||
			note == nil || *note != "a note" || noteP == nil || n == nil || *n != -7 {
			t.Fatalf("full row read back wrong: %d %q %v %v %v", id, docB, docS, note, n)
		}
		docB, docS, note, n = []byte("x"), new(string), new(string), new(int64)
		err = db.Q().QueryRow(ctx, `SELECT doc, doc, note, n FROM items WHERE name = $1`, "empty").Scan(&docB, &docS, &note, &n)
		if err != nil {
			t.Fatal(err)
		}
		if docB != nil || docS != nil || note != nil || n != nil {
			t.Fatalf("NULLs read back as %q %v %v %v", docB, docS, note, n)
		}

		// JSON written as a Go string is stored as text, never as a blob.
		typeQuery := `SELECT typeof(doc) FROM items WHERE name = $1`
		if uri.Dialect == mlflowdb.Postgres {
			typeQuery = `SELECT pg_typeof(doc)::text FROM items WHERE name = $1`
		}
		if err := db.Q().QueryRow(ctx, typeQuery, "full").Scan(&typeDoc); err != nil {
			t.Fatal(err)
		}
		if want := map[mlflowdb.Dialect]string{mlflowdb.Postgres: "json", mlflowdb.SQLite: "text"}[uri.Dialect]; typeDoc != want {
			t.Fatalf("doc stored as %q, want %q", typeDoc, want)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name              string
		sql               string
		args              []any
		unique, fk, unava bool
	}{
		{"duplicate primary key", insertItem, []any{int64(1), "other", nil, nil, nil}, true, false, false},
		{"duplicate unique column", insertItem, []any{int64(2), "one", nil, nil, nil}, true, false, false},
		{"missing parent", `INSERT INTO children (id, item_id) VALUES ($1, $2)`, []any{int64(1), int64(99)}, false, true, false},
		{"syntax error", `INSERT INTO items VALUES (`, nil, false, false, false},
		{"unknown table", `DELETE FROM no_such_table`, nil, false, false, false},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		db := itemsDB(t, uri, mlflowdb.Options{})
		ctx := ctxT(t)
		if err := db.Write(ctx, func(q mlflowdb.Querier) error {
			_, err := q.Exec(ctx, insertItem, int64(1), "one", nil, nil, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Write(ctx, func(q mlflowdb.Querier) error {
					_, err := q.Exec(ctx, tt.sql, tt.args...)
					return err
				})
				if err == nil {
					t.Fatal("no error")
				}
				if got := mlflowdb.IsUniqueViolation(err); got != tt.unique {
					t.Errorf("IsUniqueViolation(%v) = %v", err, got)
				}
				if got := mlflowdb.IsForeignKeyViolation(err); got != tt.fk {
					t.Errorf("IsForeignKeyViolation(%v) = %v", err, got)
				}
				if got := errors.Is(err, mlflowerr.ErrUnavailable); got != tt.unava {
					t.Errorf("errors.Is(%v, ErrUnavailable) = %v", err, got)
				}
			})
		}
	})
}

func TestClosedDBIsUnavailable(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		ctx := ctxT(t)
		db := itemsDB(t, uri, mlflowdb.Options{})
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		checks := map[string]error{
			"Ping":  db.Ping(ctx),
			"Write": db.Write(ctx, func(mlflowdb.Querier) error { return nil }),
			"Read":  db.Read(ctx, func(mlflowdb.Querier) error { return nil }),
			"Q":     db.Q().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(new(int64)),
		}
		for name, err := range checks {
			if !errors.Is(err, mlflowerr.ErrUnavailable) {
				t.Errorf("%s after Close: %v, want ErrUnavailable", name, err)
			}
		}
	})
}

func TestSQLiteReadersAreReadOnly(t *testing.T) {
	ctx := ctxT(t)
	db := itemsDB(t, dbtest.SQLite(t), mlflowdb.Options{})
	if _, err := db.Q().Exec(ctx, insertItem, int64(1), "x", nil, nil, nil); err == nil {
		t.Fatal("a write through Q succeeded on SQLite")
	}
	err := db.Read(ctx, func(q mlflowdb.Querier) error {
		_, err := q.Exec(ctx, insertItem, int64(1), "x", nil, nil, nil)
		return err
	})
	if err == nil {
		t.Fatal("a write inside Read succeeded on SQLite")
	}
	if n := countItems(t, db.Q()); n != 0 {
		t.Fatalf("%d rows written through the read pool", n)
	}
}

func TestMLflowRevision(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		ctx := ctxT(t)
		db := dbtest.Open(t, uri)
		check := func(wantRev string, wantOK bool) {
			t.Helper()
			rev, ok, err := db.MLflowRevision(ctx)
			if err != nil || rev != wantRev || ok != wantOK {
				t.Fatalf("MLflowRevision = %q, %v, %v; want %q, %v", rev, ok, err, wantRev, wantOK)
			}
			init, err := db.MLflowInitialised(ctx)
			if err != nil || init != wantOK {
				t.Fatalf("MLflowInitialised = %v, %v; want %v", init, err, wantOK)
			}
		}
		check("", false)
		dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow352)
		check("", true)
		if err := db.Write(ctx, func(q mlflowdb.Querier) error {
			_, err := q.Exec(ctx, `INSERT INTO alembic_version (version_num) VALUES ($1)`, dbtest.MLflowHead[dbtest.MLflow352])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		check(dbtest.MLflowHead[dbtest.MLflow352], true)
	})
}
