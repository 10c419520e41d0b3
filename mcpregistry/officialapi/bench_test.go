package officialapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

// EnvBenchServers sets how many servers the benchmarks seed: 1,000 by
// default, 10,000 for the measurement. Each has three versions.
const EnvBenchServers = "SIDECAR_BENCH_SERVERS"

// teams end the servers' names, so that a search for one matches every
// tenth server, spread evenly over the list.
var teams = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"}

type bench struct {
	h       http.Handler
	pool    *pgxpool.Pool
	servers int
}

// seedBench fills a PostgreSQL schema in bulk, as the registry would have:
// per server 1.0.0 deprecated, 1.1.0 active, 2.0.0 a draft (invisible); an
// alias, a server tag, and on every third server an endpoint on "latest".
func seedBench(b *testing.B) *bench {
	b.Helper()
	n := 1000
	if v := os.Getenv(EnvBenchServers); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive integer", EnvBenchServers, v)
		}
	}
	uri := dbtest.Postgres(b)
	db := dbtest.Migrated(b, uri)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, uri.ConnString)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	var servers, versions, aliases, tags, endpoints [][]any
	for i := range n {
		name := fmt.Sprintf("io.bench/server-%05d-%s", i, teams[i%len(teams)])
		at := startMillis + int64(i)
		servers = append(servers, []any{"default", name, at, at})
		for j, st := range []string{"deprecated", "active", "draft"} {
			raw := []string{"1.0.0", "1.1.0", "2.0.0"}[j]
			sv, err := mcpregistry.ParseVersion(raw)
			if err != nil {
				b.Fatal(err)
			}
			versions = append(versions, []any{"default", name, raw, int32(sv.Major()), int32(sv.Minor()), int32(sv.Patch()),
				sv.SortKey(), string(serverJSON(name, raw)), st, at + int64(j), at + int64(j)})
		}
		aliases = append(aliases, []any{"default", name, "prod", "1.0.0"})
		tags = append(tags, []any{"default", name, "team", "team-" + strconv.Itoa(i%10)})
		if i%3 == 0 {
			endpoints = append(endpoints, []any{fmt.Sprintf("ae-%032x", i), "default", name, "latest", "https://x.example.com/" + name, at, at})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"mcp_servers", []string{"workspace", "name", "created_at", "last_updated_at"}, servers},
		{"mcp_server_versions", []string{"workspace", "name", "version", "version_major", "version_minor", "version_patch",
			"version_prerelease_sort_key", "server_json", "status", "created_at", "last_updated_at"}, versions},
		{"mcp_server_aliases", []string{"workspace", "name", "alias", "version"}, aliases},
		{"mcp_server_tags", []string{"workspace", "name", "key", "value"}, tags},
		{"mcp_access_endpoints", []string{"id", "workspace", "server_name", "server_alias", "url", "created_at", "last_updated_at"}, endpoints},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			b.Fatalf("seeding %s: %v", c.table, err)
		}
	}
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	h, err := officialapi.New(mcpregistry.New(mcpregistry.Config{Store: store.New(db)}), officialapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	own := sidecar.Own(h, sidecar.OwnOptions{Workspaces: workspaces.NewResolver(false, nil)})
	return &bench{h: own, pool: pool, servers: n}
}

// page GETs one page through the handler and returns its next cursor and
// the time the handler took (the benchmark's own decoding excluded).
func (bn *bench) page(b *testing.B, query, cursor string) (string, int64) {
	u := "/v0.1/servers?limit=100" + query
	if cursor != "" {
		u += "&cursor=" + url.QueryEscape(cursor)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, u, nil)
	start := time.Now()
	bn.h.ServeHTTP(rec, req)
	took := time.Since(start).Nanoseconds()
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", u, rec.Code, rec.Body)
	}
	var resp struct {
		Metadata struct{ NextCursor string } `json:"metadata"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		b.Fatal(err)
	}
	return resp.Metadata.NextCursor, took
}

// floorSQL is the floor of one page: the same rows in the same keyset
// order, with their server.json, in one statement through pgx, without the
// metadata the API adds (aliases, tags, endpoints, latest) or any encoding.
const floorSQL = `SELECT name, version, server_json::text, status, created_at, last_updated_at FROM mcp_server_versions
WHERE workspace = 'default' AND status IN ('active', 'deprecated') AND name ILIKE $1 AND (name, version) > ($2, $3)
ORDER BY name, version LIMIT 101`

// floorPage runs floorSQL after (name, version) and returns the position of
// its 100th row ("" at the end).
func (bn *bench) floorPage(b *testing.B, pattern string, after [2]string) ([2]string, bool) {
	rows, err := bn.pool.Query(context.Background(), floorSQL, pattern, after[0], after[1])
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var last [2]string
	n := 0
	for rows.Next() {
		var sj, st string
		var ca, la int64
		var k [2]string
		if err := rows.Scan(&k[0], &k[1], &sj, &st, &ca, &la); err != nil {
			b.Fatal(err)
		}
		if n++; n <= 100 {
			last = k
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return last, n > 100
}

// walk measures walking every page and reports per-page times: the mean,
// the first page and the last page (each page timed on its own), so that a
// deep page costing more than the first shows.
func (bn *bench) walk(b *testing.B, query string) {
	b.Run("api", func(b *testing.B) {
		var pages, totalNs, firstNs, lastNs int64
		for b.Loop() {
			cursor := ""
			for p := 0; ; p++ {
				next, d := bn.page(b, query, cursor)
				totalNs += d
				if p == 0 {
					firstNs += d
				}
				pages++
				if next == "" {
					lastNs += d
					break
				}
				cursor = next
			}
		}
		report(b, pages, totalNs, firstNs, lastNs)
	})
	b.Run("floor", func(b *testing.B) {
		pattern := "%"
		if q, _ := url.ParseQuery(query); q.Get("search") != "" {
			pattern = "%" + q.Get("search") + "%"
		}
		var pages, totalNs, firstNs, lastNs int64
		for b.Loop() {
			var after [2]string
			for p := 0; ; p++ {
				start := time.Now()
				next, more := bn.floorPage(b, pattern, after)
				d := time.Since(start).Nanoseconds()
				totalNs += d
				if p == 0 {
					firstNs += d
				}
				pages++
				if !more {
					lastNs += d
					break
				}
				after = next
			}
		}
		report(b, pages, totalNs, firstNs, lastNs)
	})
}

func report(b *testing.B, pages, totalNs, firstNs, lastNs int64) {
	walks := float64(b.N)
	b.ReportMetric(float64(pages)/walks, "pages/walk")
	b.ReportMetric(float64(totalNs)/float64(pages), "ns/page")
	b.ReportMetric(float64(firstNs)/walks, "ns/first-page")
	b.ReportMetric(float64(lastNs)/walks, "ns/last-page")
}

// BenchmarkListAllPages: GET /v0.1/servers?limit=100 over every page.
func BenchmarkListAllPages(b *testing.B) {
	bn := seedBench(b)
	b.Run(fmt.Sprintf("servers=%d", bn.servers), func(b *testing.B) { bn.walk(b, "") })
}

// BenchmarkSearchAllPages: the same walk with search= (a substring that
// every tenth name contains). No index serves a substring (MLflow's schema
// is not ours to extend), so each page scans about ten rows per row it
// shows, and the last page scans on to the end to prove there is no more:
// the floor has to do the same.
func BenchmarkSearchAllPages(b *testing.B) {
	bn := seedBench(b)
	b.Run(fmt.Sprintf("servers=%d", bn.servers), func(b *testing.B) { bn.walk(b, "&search=CHARLIE") })
}
