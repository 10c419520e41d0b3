package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// EnvBenchServers sets how many servers the benchmarks seed (default 1000;
// 10000 for the page-500 comparison). Each has benchVersions versions.
const EnvBenchServers = "SIDECAR_BENCH_SERVERS"

const benchVersions = 10

// benchData is a seeded PostgreSQL database: the registry service over it
// and a pgx pool on the same schema for the floors.
type benchData struct {
	*env
	pool    *pgxpool.Pool
	servers int
}

func benchServerName(i int) string { return fmt.Sprintf("io.bench/s%05d", i) }

// seedBench fills a fresh schema the way the service would have: every even
// server has an active 1.5.0 (its latest), the others only drafts and
// deprecated versions; every server has the alias prod -> 1.5.0 and a tag
// team; a third of the servers have an endpoint on "latest", a third one on
// 1.2.0. Rows are copied in bulk: registering 100,000 versions through the
// service would dominate the run.
func seedBench(b *testing.B) *benchData {
	b.Helper()
	n := 1000
	if v := os.Getenv(EnvBenchServers); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive integer", EnvBenchServers, v)
		}
	}
	uri := dbtest.Postgres(b)
	e := newEnv(b, uri)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, uri.ConnString)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)

	var servers, versions, aliases, tags, endpoints [][]any
	for i := range n {
		name := benchServerName(i)
		at := t0 + int64(i)
		servers = append(servers, []any{"default", name, "Server " + name, "bench", "alice", "alice", at, at})
		for j := range benchVersions {
			raw := fmt.Sprintf("1.%d.0", j)
			sv, err := mcpregistry.ParseVersion(raw)
			if err != nil {
				b.Fatal(err)
			}
			status := "deprecated"
			switch {
			case j == 5 && i%2 == 0:
				status = "active"
			case j >= 8:
				status = "draft"
			}
			versions = append(versions, []any{"default", name, raw, int32(sv.Major()), int32(sv.Minor()),
				int32(sv.Patch()), sv.SortKey(), string(serverJSON(name, raw)), status, "alice", "alice", at + int64(j), at + int64(j)})
		}
		aliases = append(aliases, []any{"default", name, "prod", "1.5.0"})
		tags = append(tags, []any{"default", name, "team", "team" + strconv.Itoa(i%10)})
		switch i % 3 {
		case 0:
			endpoints = append(endpoints, []any{fmt.Sprintf("ae-%032x", i), "default", name, nil, "latest", "https://x.example.com/" + name, "sse", at, at})
		case 1:
			endpoints = append(endpoints, []any{fmt.Sprintf("ae-%032x", i), "default", name, "1.2.0", nil, "https://y.example.com/" + name, "streamable-http", at, at})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"mcp_servers", []string{"workspace", "name", "display_name", "description", "created_by", "last_updated_by", "created_at", "last_updated_at"}, servers},
		{"mcp_server_versions", []string{"workspace", "name", "version", "version_major", "version_minor", "version_patch",
			"version_prerelease_sort_key", "server_json", "status", "created_by", "last_updated_by", "created_at", "last_updated_at"}, versions},
		{"mcp_server_aliases", []string{"workspace", "name", "alias", "version"}, aliases},
		{"mcp_server_tags", []string{"workspace", "name", "key", "value"}, tags},
		{"mcp_access_endpoints", []string{"id", "workspace", "server_name", "server_version", "server_alias", "url",
			"transport_type", "created_at", "last_updated_at"}, endpoints},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			b.Fatalf("seeding %s: %v", c.table, err)
		}
	}
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return &benchData{env: e, pool: pool, servers: n}
}
