package dbtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

func TestPostgresSchemasAreIsolatedAndDropped(t *testing.T) {
	ctx := context.Background()
	var schema string
	t.Run("use", func(t *testing.T) {
		a, b := dbtest.Postgres(t), dbtest.Postgres(t)
		dbA := dbtest.Open(t, a)
		if err := dbA.Q().QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(schema, "sidecar_test_") {
			t.Fatalf("current_schema() = %q", schema)
		}
		if err := dbA.Write(ctx, func(q mlflowdb.Querier) error {
			_, err := q.Exec(ctx, `CREATE TABLE only_in_a (id BIGINT)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if c := dbtest.ReadCatalog(t, b); len(c) != 0 {
			t.Fatalf("schema b sees tables of a: %v", c)
		}
		if c := dbtest.ReadCatalog(t, a); len(c["only_in_a"]) != 1 {
			t.Fatalf("catalog of a: %v", c)
		}
	})
	conn, err := pgx.Connect(ctx, dbtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil || n != 0 {
		t.Fatalf("schema %s still exists after the test (%d, %v)", schema, n, err)
	}
}

func TestLoadMLflowSchema(t *testing.T) {
	// Table counts from the dumps' provenance notes (alembic_version included).
	tests := []struct {
		version string
		tables  int
	}{
		{dbtest.MLflow352, 34},
		{dbtest.MLflow3112, 48},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
				dbtest.LoadMLflowSchema(t, uri, tt.version)
				c := dbtest.ReadCatalog(t, uri)
				if len(c) != tt.tables {
					t.Fatalf("%d tables, want %d", len(c), tt.tables)
				}
				if len(c["experiments"]) == 0 || len(c["alembic_version"]) == 0 {
					t.Fatalf("catalog lacks MLflow's core tables: %v", c)
				}
			})
		})
	}
}

func TestCatalogDiff(t *testing.T) {
	base := dbtest.Catalog{"t": {"column 1 a", "column 2 b"}, "u": {"column 1 x"}}
	tests := []struct {
		name  string
		other dbtest.Catalog
		want  []string // substrings of the diff; none means equal
	}{
		{"equal", dbtest.Catalog{"t": {"column 1 a", "column 2 b"}, "u": {"column 1 x"}}, nil},
		{"line changed", dbtest.Catalog{"t": {"column 1 a", "column 2 c"}, "u": {"column 1 x"}},
			[]string{"table t: - column 2 b", "table t: + column 2 c"}},
		{"table missing", dbtest.Catalog{"t": {"column 1 a", "column 2 b"}}, []string{"table u: only in the first"}},
		{"table added", dbtest.Catalog{"t": {"column 1 a", "column 2 b"}, "u": {"column 1 x"}, "v": nil},
			[]string{"table v: only in the second"}},
		{"order changed", dbtest.Catalog{"t": {"column 2 b", "column 1 a"}, "u": {"column 1 x"}},
			[]string{"table t: same lines in another order"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff := base.Diff(tt.other)
			if (diff == "") != (tt.want == nil) {
				t.Fatalf("Diff = %q", diff)
			}
			for _, w := range tt.want {
				if !strings.Contains(diff, w) {
					t.Errorf("Diff %q lacks %q", diff, w)
				}
			}
		})
	}
}
