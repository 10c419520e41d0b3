// Package dbtest gives tests real, isolated databases: a fresh PostgreSQL
// schema or a fresh SQLite file per test, MLflow's real DDL to load into
// them, and a normalised catalog to compare schemas. A database that cannot
// be reached fails the test; nothing here skips.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// EnvDatabaseURL names the environment variable that points tests at a
// PostgreSQL server (a postgres:// or postgresql:// URL of a role that may
// create schemas).
const EnvDatabaseURL = "SIDECAR_TEST_DATABASE_URL"

const localDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var base struct {
	once sync.Once
	url  string
	err  error
}

// baseURL finds the server once per test binary: the environment variable,
// else a testcontainers PostgreSQL when a Docker engine answers, else the
// local default.
func baseURL() (string, error) {
	base.once.Do(func() {
		if v := os.Getenv(EnvDatabaseURL); v != "" {
			base.url = v
			return
		}
		if dockerReachable() {
			base.url, base.err = startContainer()
			return
		}
		base.url = localDatabaseURL
	})
	return base.url, base.err
}

func dockerReachable() (ok bool) {
	if os.Getenv("DOCKER_HOST") == "" {
		if _, err := os.Stat("/var/run/docker.sock"); err != nil {
			return false
		}
	}
	defer func() {
		// testcontainers panics on some broken Docker setups; that is "no".
		if recover() != nil {
			ok = false
		}
	}()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.Health(ctx) == nil
}

// startContainer starts one PostgreSQL for the whole test binary. It is not
// terminated here: testcontainers' reaper removes it when the binary exits.
func startContainer() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ctr, err := tcpostgres.Run(ctx, "postgres:15-alpine", tcpostgres.BasicWaitStrategies())
	if err != nil {
		return "", fmt.Errorf("starting a PostgreSQL container: %w", err)
	}
	return ctr.ConnectionString(ctx, "sslmode=disable")
}

// Postgres returns the URI of a fresh, empty schema on the test server,
// selected through search_path, and drops the schema when the test ends.
func Postgres(t testing.TB) mlflowdb.URI {
	t.Helper()
	raw, err := baseURL()
	if err != nil {
		t.Fatalf("dbtest: no PostgreSQL for tests: %v\n%s", err, howToProvide)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := "sidecar_test_" + randomHex(6)
	ident := pgx.Identifier{schema}.Sanitize()
	if err := adminExec(ctx, raw, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("dbtest: PostgreSQL at %s is not usable: %v\n%s", redact(raw), err, howToProvide)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, raw, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("dbtest: dropping schema %s: %v", schema, err)
		}
	})
	u, err := schemaURI(raw, schema)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvDatabaseURL, err)
	}
	return u
}

const howToProvide = "Provide a server: set " + EnvDatabaseURL +
	" (e.g. postgres://user:pass@host:5432/db?sslmode=disable), start the local one " +
	"(pg_ctlcluster 15 main start; expected at " + localDatabaseURL + "), or make a Docker engine " +
	"reachable so that testcontainers can start one."

// BaseURL is the server URL the tests use (password included), for tests
// that need an administrative connection of their own.
func BaseURL(t testing.TB) string {
	t.Helper()
	raw, err := baseURL()
	if err != nil {
		t.Fatalf("dbtest: no PostgreSQL for tests: %v\n%s", err, howToProvide)
	}
	return raw
}

// schemaURI turns the server URL into the backend-store URI MLflow would be
// given for that schema: options=-csearch_path=<schema> works for libpq
// (psycopg2) and pgx alike.
func schemaURI(raw, schema string) (mlflowdb.URI, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return mlflowdb.URI{}, errors.New("want a postgres:// or postgresql:// URL")
	}
	u.Scheme = "postgresql"
	q := u.Query()
	q.Set("options", "-csearch_path="+schema)
	u.RawQuery = q.Encode()
	return mlflowdb.ParseURI(u.String())
}

func adminExec(ctx context.Context, raw, sql string) error {
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
