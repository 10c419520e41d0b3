package mlflowdb_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func adminExec(t *testing.T, sql string) {
	t.Helper()
	ctx := ctxT(t)
	conn, err := pgx.Connect(ctx, dbtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestPingPostgresRecovers takes the database away from a role (no new
// logins, existing sessions terminated) and gives it back: Ping and queries
// fail as unavailable meanwhile and work again on the same handle.
func TestPingPostgresRecovers(t *testing.T) {
	ctx := ctxT(t)
	uri := dbtest.Postgres(t)
	var schema string
	if err := dbtest.Open(t, uri).Q().QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	role := schema + "_role" // unique like the schema
	ident := pgx.Identifier{role}.Sanitize()
	adminExec(t, "CREATE ROLE "+ident+" LOGIN PASSWORD 'pw'")
	t.Cleanup(func() {
		adminExec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"+role+"'")
		adminExec(t, "DROP OWNED BY "+ident)
		adminExec(t, "DROP ROLE "+ident)
	})
	adminExec(t, "GRANT USAGE, CREATE ON SCHEMA "+pgx.Identifier{schema}.Sanitize()+" TO "+ident)

	u, err := url.Parse(uri.ConnString)
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme, u.User = "postgresql", url.UserPassword(role, "pw")
	roleURI, err := mlflowdb.ParseURI(u.String())
	if err != nil {
		t.Fatal(err)
	}
	db := itemsDB(t, roleURI, mlflowdb.Options{MaxConns: 3})
	// Fill the pool with several sessions that will all die.
	if err := db.Read(ctx, func(q mlflowdb.Querier) error { return db.Ping(ctx) }); err != nil {
		t.Fatal(err)
	}

	adminExec(t, "ALTER ROLE "+ident+" NOLOGIN")
	adminExec(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"+role+"'")
	for i := range 3 {
		if err := db.Ping(ctx); !errors.Is(err, mlflowerr.ErrUnavailable) {
			t.Fatalf("Ping %d while the database is gone: %v, want ErrUnavailable", i, err)
		}
	}
	if err := db.Q().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(new(int64)); !errors.Is(err, mlflowerr.ErrUnavailable) {
		t.Fatalf("query while the database is gone: %v, want ErrUnavailable", err)
	}
	if err := db.Write(ctx, func(mlflowdb.Querier) error { return nil }); !errors.Is(err, mlflowerr.ErrUnavailable) {
		t.Fatalf("Write while the database is gone: %v, want ErrUnavailable", err)
	}

	adminExec(t, "ALTER ROLE "+ident+" LOGIN")
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after the database returned: %v", err)
	}
	if err := db.Q().QueryRow(ctx, `SELECT count(*) FROM items`).Scan(new(int64)); err != nil {
		t.Fatalf("query after the database returned: %v", err)
	}
}

// TestPingSQLiteRecovers moves the file away and back (file permissions do
// not stop root, who runs CI), then replaces it.
func TestPingSQLiteRecovers(t *testing.T) {
	ctx := ctxT(t)
	uri := dbtest.SQLite(t)
	db := itemsDB(t, uri, mlflowdb.Options{})
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	aside := uri.Path + ".aside"
	if err := os.Rename(uri.Path, aside); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); !errors.Is(err, mlflowerr.ErrUnavailable) {
		t.Fatalf("Ping with the file gone: %v, want ErrUnavailable", err)
	}
	if err := os.Rename(aside, uri.Path); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after the file returned: %v", err)
	}

	// A different file at the same path is MLflow's new database, not ours.
	data, err := os.ReadFile(uri.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(uri.Path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(uri.Path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	err = db.Ping(ctx)
	if !errors.Is(err, mlflowerr.ErrUnavailable) || !strings.Contains(err.Error(), "replaced") {
		t.Fatalf("Ping after the file was replaced: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	// A listener that accepts but never answers: the connect deadline hits.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct{ name, uri string }{
		{"connection refused", "postgresql://u:pw@" + closedAddr + "/db?sslmode=disable"},
		{"deadline while connecting", "postgresql://u:pw@" + silent.Addr().String() + "/db?sslmode=disable&connect_timeout=1"},
		{"SQLite directory missing", "sqlite:////nonexistent-dir/sub/mlflow.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri, err := mlflowdb.ParseURI(tt.uri)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db, err := mlflowdb.Open(ctx, uri, mlflowdb.Options{})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, mlflowerr.ErrUnavailable) {
				t.Fatalf("Open: %v, want ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}
