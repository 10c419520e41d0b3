package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// latestSQL is the latest-resolution query as the floors run it.
const latestSQL = "SELECT * FROM mcp_server_versions WHERE workspace = $1 AND name = $2 AND status <> 'deleted' " +
	"ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, version_major DESC, version_minor DESC, version_patch DESC, " +
	`version_prerelease_sort_key COLLATE "C" DESC, created_at DESC, version COLLATE "C" DESC LIMIT 1`

// BenchmarkRegistry measures the service over the store on PostgreSQL. Each
// read is paired with its floor, the one indexed statement that answers the
// same question run directly with pgx (no service, no views, no telemetry),
// and the two alternate within one loop so that load from elsewhere on the
// machine hits both alike. Reported: op-ns and floor-ns per operation and
// %floor, the operation's throughput as a percentage of the floor's. The
// database is seeded once for all sub-benchmarks (seedBench;
// SIDECAR_BENCH_SERVERS=10000 for the page-500 comparison).
func BenchmarkRegistry(b *testing.B) {
	d := seedBench(b)
	ctx := context.Background()
	var next atomic.Int64
	name := func() string { return benchServerName(int(next.Add(1)) % d.servers) }
	query := func(b *testing.B, sql string, args ...any) {
		rows, err := d.pool.Query(ctx, sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				b.Fatal(err)
			}
		}
		if rows.Close(); rows.Err() != nil {
			b.Fatal(rows.Err())
		}
	}
	// paired alternates op and floor, both called with the same server.
	paired := func(b *testing.B, op func(server string) error, floor func(b *testing.B, server string)) {
		var opT, floorT time.Duration
		for b.Loop() {
			server := name()
			start := time.Now()
			if err := op(server); err != nil {
				b.Fatal(err)
			}
			mid := time.Now()
			floor(b, server)
			opT, floorT = opT+mid.Sub(start), floorT+time.Since(mid)
		}
		b.ReportMetric(float64(opT.Nanoseconds())/float64(b.N), "op-ns")
		b.ReportMetric(float64(floorT.Nanoseconds())/float64(b.N), "floor-ns")
		b.ReportMetric(100*float64(floorT)/float64(opT), "%floor")
	}
	serverSQL, versionSQL, _ := store.ViewSQL(mlflowdb.Postgres)

	b.Run("GetServer", func(b *testing.B) {
		paired(b, func(s string) error { return second(d.reg.GetServer(ctx, d.alice, s)) },
			func(b *testing.B, s string) {
				query(b, "SELECT * FROM mcp_servers WHERE workspace = $1 AND name = $2", "default", s)
			})
	})
	// The same view statement through pgx: what the service adds to the SQL.
	b.Run("GetServer/vs-view-statement", func(b *testing.B) {
		paired(b, func(s string) error { return second(d.reg.GetServer(ctx, d.alice, s)) },
			func(b *testing.B, s string) { query(b, serverSQL, "default", s) })
	})
	b.Run("GetVersion", func(b *testing.B) {
		paired(b, func(s string) error { return second(d.reg.GetVersion(ctx, d.alice, s, "1.3.0")) },
			func(b *testing.B, s string) {
				query(b, "SELECT * FROM mcp_server_versions WHERE workspace = $1 AND name = $2 AND version = $3", "default", s, "1.3.0")
			})
	})
	b.Run("GetVersion/vs-view-statement", func(b *testing.B) {
		paired(b, func(s string) error { return second(d.reg.GetVersion(ctx, d.alice, s, "1.3.0")) },
			func(b *testing.B, s string) { query(b, versionSQL, "default", s, "1.3.0") })
	})
	b.Run("ResolveLatest", func(b *testing.B) {
		paired(b, func(s string) error { return second(d.reg.GetVersionByAlias(ctx, d.alice, s, mcpregistry.LatestAlias)) },
			func(b *testing.B, s string) { query(b, latestSQL, "default", s) })
	})
	for _, s := range []struct{ name, filter, floor string }{
		{"NameLike", "name LIKE '%s00%'", "s.name LIKE '%s00%'"},
		{"Tag", "tags.team = 'team3'", `EXISTS (SELECT 1 FROM mcp_server_tags t WHERE t.workspace = s.workspace AND t.name = s.name AND t."key" = 'team' AND t.value = 'team3')`},
		{"Status", "status = 'active'", "EXISTS (SELECT 1 FROM mcp_server_versions v WHERE v.workspace = s.workspace " +
			"AND v.name = s.name AND v.status = 'active')"},
	} {
		// The floor lists the page's server rows only: no views.
		b.Run("Search"+s.name, func(b *testing.B) {
			paired(b, func(string) error {
				return second(d.reg.SearchServers(ctx, d.alice, mcpregistry.SearchRequest{Filter: s.filter, MaxResults: ptr(20)}))
			}, func(b *testing.B, _ string) {
				query(b, "SELECT * FROM mcp_servers s WHERE s.workspace = $1 AND "+s.floor+" ORDER BY s.name LIMIT 21", "default")
			})
		})
	}
	// The deepest page against the first: the keyset predicate makes them
	// cost alike (%floor near 100 means page N costs what page 1 does).
	for _, r := range []struct {
		name string
		page func(token string) (*string, error)
	}{
		{"Search", func(token string) (*string, error) {
			p, err := d.reg.SearchServers(ctx, d.alice, mcpregistry.SearchRequest{MaxResults: ptr(20), PageToken: token})
			if err != nil {
				return nil, err
			}
			return p.NextPageToken, nil
		}},
		{"SearchEndpoints", func(token string) (*string, error) {
			p, err := d.reg.SearchEndpoints(ctx, d.alice, nil, mcpregistry.EndpointSearchRequest{
				SearchRequest: mcpregistry.SearchRequest{MaxResults: ptr(20), PageToken: token}})
			if err != nil {
				return nil, err
			}
			return p.NextPageToken, nil
		}},
	} {
		last, lastToken := lastPage(b, r.page)
		b.Run(fmt.Sprintf("%sPage%d-vs-Page1", r.name, last), func(b *testing.B) {
			paired(b, func(string) error { return second(r.page(lastToken)) }, func(b *testing.B, _ string) {
				if _, err := r.page(""); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	var k atomic.Int64 // versions stay unique across the benchmark's runs
	b.Run("RegisterVersion", func(b *testing.B) {
		b.SetParallelism(4) // a few registrations in flight, as behind a busy HTTP server
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := k.Add(1)
				if _, err := d.register(d.alice, benchServerName(int(i)%d.servers), fmt.Sprintf("2.0.%d", i), ""); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "versions/s")
	})
	// The floor of a registration: one autocommitted INSERT of the row.
	b.Run("RegisterVersion/floor", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := k.Add(1)
				_, err := d.pool.Exec(ctx, "INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, "+
					"version_patch, version_prerelease_sort_key, server_json, status, created_at, last_updated_at) "+
					"VALUES ($1, $2, $3, 3, 0, $4, '2', $5, 'draft', 1, 1)",
					"default", benchServerName(int(i)%d.servers), fmt.Sprintf("3.0.%d", i), i, `{"name": "x", "version": "y"}`)
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "versions/s")
	})
}

// lastPage walks every page and returns the number and token of the last.
func lastPage(b *testing.B, page func(token string) (*string, error)) (int, string) {
	b.Helper()
	token, n := "", 1
	for {
		next, err := page(token)
		if err != nil {
			b.Fatal(err)
		}
		if next == nil {
			return n, token
		}
		token, n = *next, n+1
	}
}
