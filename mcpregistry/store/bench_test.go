package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// BenchmarkRegistry measures the service over the store on PostgreSQL, each
// operation next to its floor: the one indexed statement that answers the
// same question, run directly with pgx (no service, no view assembly, no
// telemetry). The database is seeded once for all sub-benchmarks (see
// seedBench; SIDECAR_BENCH_SERVERS=10000 for the page-500 comparison).
func BenchmarkRegistry(b *testing.B) {
	d := seedBench(b)
	ctx := context.Background()
	var next atomic.Int64
	name := func() string { return benchServerName(int(next.Add(1)) % d.servers) }
	floor := func(b *testing.B, sql string, args func() []any) {
		for b.Loop() {
			rows, err := d.pool.Query(ctx, sql, args()...)
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
	}

	b.Run("GetServer", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.reg.GetServer(ctx, d.alice, name()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetServer/floor", func(b *testing.B) {
		floor(b, "SELECT * FROM mcp_servers WHERE workspace = $1 AND name = $2", func() []any { return []any{"default", name()} })
	})
	serverSQL, versionSQL, _ := store.ViewSQL(mlflowdb.Postgres)
	b.Run("GetServer/floor-view", func(b *testing.B) {
		floor(b, serverSQL, func() []any { return []any{"default", name()} })
	})
	b.Run("GetVersion", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.reg.GetVersion(ctx, d.alice, name(), "1.3.0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetVersion/floor", func(b *testing.B) {
		floor(b, "SELECT * FROM mcp_server_versions WHERE workspace = $1 AND name = $2 AND version = $3",
			func() []any { return []any{"default", name(), "1.3.0"} })
	})
	b.Run("GetVersion/floor-view", func(b *testing.B) {
		floor(b, versionSQL, func() []any { return []any{"default", name(), "1.3.0"} })
	})
	b.Run("ResolveLatest", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.reg.GetVersionByAlias(ctx, d.alice, name(), mcpregistry.LatestAlias); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResolveLatest/floor", func(b *testing.B) {
		floor(b, "SELECT * FROM mcp_server_versions v WHERE workspace = $1 AND name = $2 AND status <> 'deleted' "+
			"ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, version_major DESC, version_minor DESC, version_patch DESC, "+
			`version_prerelease_sort_key COLLATE "C" DESC, created_at DESC, version COLLATE "C" DESC LIMIT 1`,
			func() []any { return []any{"default", name()} })
	})
	for _, s := range []struct{ name, filter, floor string }{
		{"NameLike", "name LIKE '%s00%'", "s.name LIKE '%s00%'"},
		{"Tag", "tags.team = 'team3'", `EXISTS (SELECT 1 FROM mcp_server_tags t WHERE t.workspace = s.workspace AND t.name = s.name AND t."key" = 'team' AND t.value = 'team3')`},
		{"Status", "status = 'active'", "(SELECT v.status FROM mcp_server_versions v WHERE v.workspace = s.workspace AND v.name = s.name " +
			"AND v.status <> 'deleted' ORDER BY CASE v.status WHEN 'active' THEN 0 ELSE 1 END, v.version_major DESC, " +
			"v.version_minor DESC, v.version_patch DESC LIMIT 1) = 'active'"},
	} {
		b.Run("Search"+s.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.reg.SearchServers(ctx, d.alice, mcpregistry.SearchRequest{Filter: s.filter, MaxResults: ptr(20)}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Search"+s.name+"/floor", func(b *testing.B) {
			floor(b, "SELECT * FROM mcp_servers s WHERE s.workspace = $1 AND "+s.floor+" ORDER BY s.name LIMIT 21",
				func() []any { return []any{"default"} })
		})
	}
	last, lastToken := lastPage(b, d, 20)
	for _, p := range []struct {
		name  string
		token string
	}{{"Page1", ""}, {fmt.Sprintf("Page%d", last), lastToken}} {
		b.Run("Search"+p.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.reg.SearchServers(ctx, d.alice, mcpregistry.SearchRequest{MaxResults: ptr(20), PageToken: p.token}); err != nil {
					b.Fatal(err)
				}
			}
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

// lastPage walks a default-order server search of pageSize and returns the
// number and token of its last page.
func lastPage(b *testing.B, d *benchData, pageSize int) (int, string) {
	b.Helper()
	token, n := "", 1
	for {
		p, err := d.reg.SearchServers(context.Background(), d.alice, mcpregistry.SearchRequest{MaxResults: ptr(pageSize), PageToken: token})
		if err != nil {
			b.Fatal(err)
		}
		if p.NextPageToken == nil {
			return n, token
		}
		token, n = *p.NextPageToken, n+1
	}
}
