package tracking_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// benchAssociations is the size of the lookup benchmark: 100 000 links by
// default, SIDECAR_BENCH_ASSOCIATIONS=1000000 for the figure.
func benchAssociations(b *testing.B) int {
	if v := os.Getenv("SIDECAR_BENCH_ASSOCIATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("SIDECAR_BENCH_ASSOCIATIONS=%q: want an integer of at least 1000", v)
		}
		return n
	}
	return 100_000
}

const benchVersions = 100 // versions of the benchmark server: one hot, 99 others

// seedLinks writes n traces, each linked to one version of brave: every
// tenth to the hot version 1.0.0, the others spread over 1.1.0 … 1.99.0.
// Rows are generated inside the database (one statement per table) rather
// than sent one by one.
func seedLinks(b *testing.B, f *fixture, n int) {
	f.experiment(1, ws)
	for i := range benchVersions {
		f.version(ws, brave, fmt.Sprintf("1.%d.0", i), mcpregistry.StatusActive)
	}
	f.exec(`CREATE TABLE bench_dest (k INTEGER PRIMARY KEY, dest VARCHAR(36) NOT NULL)`)
	for i := range benchVersions {
		f.exec(`INSERT INTO bench_dest (k, dest) VALUES ($1, $2)`, int64(i), tracking.DestinationID(ws, brave, fmt.Sprintf("1.%d.0", i)))
	}
	// Series n = 1..N; version k = 0 when n % 10 = 0, else 1 + n % 99;
	// timestamps scatter the traces in time independently of their ids
	// (repeats are fine: the trace id breaks ties).
	var series, traceID string
	switch f.db.Dialect() {
	case mlflowdb.Postgres:
		series = `SELECT g AS n FROM generate_series(1, $1::bigint) g`
		traceID = `'tr-' || lpad(to_hex(s.n), 32, '0')`
	default:
		series = `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $1) SELECT n FROM g`
		traceID = `printf('tr-%032x', s.n)`
	}
	start := time.Now()
	f.exec(`INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status)
SELECT `+traceID+`, 1, 1700000000000 + ((s.n * 7919) % $1) * 10, 5, 'OK' FROM (`+series+`) s`, int64(n))
	f.exec(`INSERT INTO entity_associations (association_id, source_type, source_id, destination_type, destination_id, created_time)
SELECT 'a-' || s.n, 'trace', `+traceID+`, 'mcp_server_version', d.dest, 1700000000000
FROM (`+series+`) s JOIN bench_dest d ON d.k = CASE WHEN s.n % 10 = 0 THEN 0 ELSE 1 + s.n % 99 END`, int64(n))
	// Statistics and, on PostgreSQL, the visibility map (for index-only
	// scans), as autovacuum would leave them on a database at rest.
	if f.db.Dialect() == mlflowdb.Postgres {
		if _, err := f.db.Q().Exec(f.ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	} else {
		f.exec(`ANALYZE`)
	}
	b.Logf("%s: seeded %d traces and links in %v", f.db.Dialect(), n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkTracesForVersion measures the version → traces lookup over a
// database holding SIDECAR_BENCH_ASSOCIATIONS links: the first page and the
// tenth page (page size 100) of the hot version (a tenth of all links), the
// first page of a typical version, and the first page of the whole server.
// It reports the median and 95th percentile per lookup.
func BenchmarkTracesForVersion(b *testing.B) {
	n := benchAssociations(b)
	for _, d := range []mlflowdb.Dialect{mlflowdb.Postgres, mlflowdb.SQLite} {
		b.Run(d.String(), func(b *testing.B) {
			f := newFixture(b, dbtest.Fresh(b, d), dbtest.MLflow3112)
			seedLinks(b, f, n)
			size := 100
			tenth := ""
			for range 9 {
				p, err := f.svc.TracesForVersion(f.ctx, ws, brave, "1.0.0", tracking.PageRequest{MaxResults: &size, PageToken: tenth})
				if err != nil || p.NextPageToken == nil {
					b.Fatalf("paging to the tenth page: %v", err)
				}
				tenth = *p.NextPageToken
			}
			cases := []struct {
				name string
				call func() (*tracking.TracePage, error)
			}{
				{"hot-version-first-page", func() (*tracking.TracePage, error) {
					return f.svc.TracesForVersion(f.ctx, ws, brave, "1.0.0", tracking.PageRequest{MaxResults: &size})
				}},
				{"hot-version-tenth-page", func() (*tracking.TracePage, error) {
					return f.svc.TracesForVersion(f.ctx, ws, brave, "1.0.0", tracking.PageRequest{MaxResults: &size, PageToken: tenth})
				}},
				{"typical-version-first-page", func() (*tracking.TracePage, error) {
					return f.svc.TracesForVersion(f.ctx, ws, brave, "1.42.0", tracking.PageRequest{MaxResults: &size})
				}},
				{"server-first-page", func() (*tracking.TracePage, error) {
					return f.svc.TracesForServer(f.ctx, ws, brave, tracking.PageRequest{MaxResults: &size})
				}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var lat []time.Duration
					for b.Loop() {
						t0 := time.Now()
						p, err := c.call()
						lat = append(lat, time.Since(t0))
						if err != nil || len(p.Items) != size {
							b.Fatalf("%d items, %v", len(p.Items), err)
						}
					}
					reportPercentiles(b, lat)
				})
			}
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}
