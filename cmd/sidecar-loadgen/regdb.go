package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDatabaseURL names the PostgreSQL server the registry benchmark creates
// its database on (the tests' variable, so that one setting serves both).
const EnvDatabaseURL = "SIDECAR_TEST_DATABASE_URL"

const localDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func defaultDatabaseURL() string {
	if v := os.Getenv(EnvDatabaseURL); v != "" {
		return v
	}
	return localDatabaseURL
}

// benchDB is a database created for one run.
type benchDB struct {
	name  string
	url   string // the server URL with the database's name as its path
	admin string
}

// createDatabase creates an empty database named after a random suffix on
// the server of serverURL.
func createDatabase(ctx context.Context, serverURL string) (*benchDB, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("database URL: want postgres://user@host:port/db (%s)", EnvDatabaseURL)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	d := &benchDB{name: "sidecar_bench_" + hex.EncodeToString(b[:]), admin: serverURL}
	if err := adminExec(ctx, serverURL, "CREATE DATABASE "+pgx.Identifier{d.name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("creating the benchmark database: %w", err)
	}
	// MLflow (and so the sidecar) spells the scheme postgresql://.
	u.Scheme, u.Path = "postgresql", "/"+d.name
	d.url = u.String()
	return d, nil
}

// drop removes the database, ending any session still on it.
func (d *benchDB) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return adminExec(ctx, d.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)")
}

func adminExec(ctx context.Context, serverURL, sql string) error {
	c, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// migrateUp applies the sidecar's migrations with the binary under test.
func migrateUp(bin, dbURL string) error {
	out, err := exec.Command(bin, "migrate", "up", "--backend-store-uri", dbURL).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s migrate up: %v\n%s", bin, err, out)
	}
	return nil
}
