package mlflowdb

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		raw      string
		dialect  Dialect
		conn     string // PostgreSQL connection string
		path     string // SQLite path
		redacted string
		errHas   string // non-empty: ParseURI must fail with this in the message
	}{
		{raw: "postgresql://mlflow:s3cret@db.example:5433/mlflow?sslmode=require",
			dialect: Postgres, conn: "postgres://mlflow:s3cret@db.example:5433/mlflow?sslmode=require",
			redacted: "postgresql://mlflow:xxxxx@db.example:5433/mlflow?sslmode=require"},
		{raw: "postgresql+psycopg2://u:p%40ss@h/db", dialect: Postgres,
			conn: "postgres://u:p%40ss@h/db", redacted: "postgresql+psycopg2://u:xxxxx@h/db"},
		{raw: "postgresql+psycopg://u@h:5432/db?options=-csearch_path%3Dmlflow", dialect: Postgres,
			conn: "postgres://u@h:5432/db?options=-csearch_path%3Dmlflow", redacted: "postgresql+psycopg://u@h:5432/db?options=-csearch_path%3Dmlflow"},
		{raw: "postgresql+pg8000://u:p@h/db?application_name=x&sslmode=disable", dialect: Postgres,
			conn: "postgres://u:p@h/db?application_name=x&sslmode=disable", redacted: "postgresql+pg8000://u:xxxxx@h/db?application_name=x&sslmode=disable"},
		{raw: "POSTGRESQL+PSYCOPG2://u@h/db", dialect: Postgres, conn: "postgres://u@h/db", redacted: "postgresql+psycopg2://u@h/db"},
		{raw: "postgresql:///mlflow?host=/var/run/postgresql", dialect: Postgres,
			conn: "postgres:///mlflow?host=/var/run/postgresql", redacted: "postgresql:///mlflow?host=/var/run/postgresql"},
		{raw: "postgresql+asyncpg://u@h/db", errHas: "unknown PostgreSQL driver"},
		{raw: "postgres://u:secret@h/db", errHas: "use postgresql://"},

		{raw: "sqlite:///mlflow.db", dialect: SQLite, path: filepath.Join(wd, "mlflow.db")},
		{raw: "sqlite:///data/mlflow.db", dialect: SQLite, path: filepath.Join(wd, "data", "mlflow.db")},
		{raw: "sqlite:////var/lib/mlflow/mlflow.db", dialect: SQLite, path: "/var/lib/mlflow/mlflow.db"},
		{raw: "sqlite+pysqlite:////var/lib/mlflow.db", dialect: SQLite, path: "/var/lib/mlflow.db"},
		{raw: "sqlite:////tmp/a%20b.db", dialect: SQLite, path: "/tmp/a b.db"},
		{raw: "sqlite:////tmp/m.db?timeout=30&check_same_thread=false", dialect: SQLite, path: "/tmp/m.db"},
		{raw: "sqlite:///file:/tmp/m.db?mode=rwc&uri=true", dialect: SQLite, path: "/tmp/m.db"},
		{raw: "sqlite:///file:///tmp/m.db?uri=true", dialect: SQLite, path: "/tmp/m.db"},
		{raw: "sqlite:///file:rel.db?uri=true&cache=shared", dialect: SQLite, path: filepath.Join(wd, "rel.db")},
		{raw: "sqlite://", errHas: "in-memory"},
		{raw: "sqlite:///:memory:", errHas: "in-memory"},
		{raw: "sqlite:///", errHas: "in-memory"},
		{raw: "sqlite:///file::memory:?uri=true", errHas: "in-memory"},
		{raw: "sqlite:///file:/tmp/m.db?mode=ro&uri=true", errHas: "mode=ro"},
		{raw: "sqlite:///file:/tmp/m.db?mode=memory&uri=true", errHas: "mode=memory"},
		{raw: "sqlite:///file:/tmp/m.db?vfs=unix-none&uri=true", errHas: `"vfs" is not supported`},
		{raw: "sqlite:///m.db?mode=ro", errHas: "need uri=true"},
		{raw: "sqlite://host/m.db", errHas: "no host part"},
		{raw: "sqlite+foo:///m.db", errHas: "unknown SQLite driver"},

		{raw: "mysql://u:pw@h/db", errHas: `"mysql" is not supported`},
		{raw: "mysql+pymysql://u:pw@h/db", errHas: "supported backend-store URIs"},
		{raw: "mssql+pyodbc://u@h/db", errHas: `"mssql" is not supported`},
		{raw: "file:./mlruns", errHas: "file stores"},
		{raw: "./mlruns", errHas: "supported backend-store URIs"},
		{raw: "/var/mlruns", errHas: "not a database URI"},
		{raw: "", errHas: "not a database URI"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := ParseURI(tt.raw)
			if tt.errHas != "" {
				if err == nil {
					t.Fatalf("ParseURI(%q) = %v, want an error", tt.raw, u)
				}
				if !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("error %q does not contain %q", err, tt.errHas)
				}
				if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), ":pw@") {
					t.Fatalf("error leaks the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tt.raw, err)
			}
			if u.Dialect != tt.dialect || u.ConnString != tt.conn || u.Path != tt.path {
				t.Fatalf("ParseURI(%q) = {%v %q %q}, want {%v %q %q}", tt.raw, u.Dialect, u.ConnString, u.Path,
					tt.dialect, tt.conn, tt.path)
			}
			want := tt.redacted
			if tt.dialect == SQLite {
				want = "sqlite:///" + tt.path
			}
			if u.Redacted() != want {
				t.Fatalf("Redacted() = %q, want %q", u.Redacted(), want)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				if s := fmt.Sprintf(verb, u); strings.Contains(s, "s3cret") || strings.Contains(s, ":p@") {
					t.Fatalf("%s of the URI shows the password: %s", verb, s)
				}
			}
		})
	}
}
