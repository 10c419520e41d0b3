package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
)

// A whole registry run on a small data set against the real binary: the
// database is created, migrated by the binary, seeded, every scenario
// passes its check against the floor and runs without a failed request,
// the report carries every scenario and goal, and the database is dropped.
// No figure's value is asserted.
func TestRegistryModeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sidecar binary")
	}
	bin := filepath.Join(t.TempDir(), "mlflow-sidecar")
	build := exec.Command("go", "build", "-o", bin, "../mlflow-sidecar")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the sidecar: %v\n%s", err, out)
	}
	server := dbtest.BaseURL(t)
	o := options{mode: "registry", sidecar: bin, databaseURL: server, workers: 2, rounds: 1,
		duration: 400 * time.Millisecond, warmup: 200 * time.Millisecond, scale: scale{servers: 60, endpoints: 150}}
	var out, progress strings.Builder
	if err := runRegistryBench(o, &out, &progress); err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	for _, want := range []string{
		"| get server | sidecar |", "| get server | floor |", "| get version | sidecar |", "| resolve latest | sidecar |",
		"| search name LIKE | sidecar |", "| search tag | sidecar |", "| search status | sidecar |",
		"| search has_access_endpoints | sidecar |", "| search endpoints (workspace-wide) | sidecar |",
		"| search servers, page 1 vs page 3 | sidecar page 3 |", "| search servers, page 1 vs page 3 | floor page 3 |",
		"| GET /v0.1/servers?limit=100, first page vs walking all pages | sidecar every page |",
		"| GET /v0.1/servers?limit=100&search=weather, first page vs walking all pages | floor every page |",
		"| register a version (POST /{name}/versions) | sidecar |",
		"- Reads at least 60% of the floor's throughput:\n  - get server: ", "- sidecar page 3 within 1.5× of page 1:",
		"every page as fast as the first (within 1.5×)", "- Registration at least 500 versions/s:",
		"60 servers × 10 versions (600 version rows", "150 access endpoints", "Peak resident memory over the run: sidecar",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", out.String())
	}
	name := regexp.MustCompile(`created database (\S+)`).FindStringSubmatch(progress.String())
	if name == nil {
		t.Fatalf("no database named in the progress:\n%s", progress.String())
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name[1]).Scan(&n); err != nil || n != 0 {
		t.Errorf("database %s still there (%d, %v)", name[1], n, err)
	}
}
