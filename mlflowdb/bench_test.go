package mlflowdb_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

const benchQuery = `SELECT name, n FROM items WHERE id = $1`

// BenchmarkQueryRow measures what the adapter (statement cache, placeholder
// rewrite, span, histogram) adds to a primary-key lookup, against the bare
// driver: "raw" is database/sql on the same connection settings, "noop" uses
// the default global providers, "sdk" a sampling tracer and a metric reader.
func BenchmarkQueryRow(b *testing.B) {
	for _, dialect := range []string{"postgresql", "sqlite"} {
		b.Run(dialect, func(b *testing.B) {
			var uri mlflowdb.URI
			if dialect == "postgresql" {
				uri = dbtest.Postgres(b)
			} else {
				uri = dbtest.SQLite(b)
			}
			setup := dbtest.Open(b, uri)
			ctx := context.Background()
			if err := setup.Write(ctx, func(q mlflowdb.Querier) error {
				if _, err := q.Exec(ctx, createItems); err != nil {
					return err
				}
				_, err := q.Exec(ctx, insertItem, int64(1), "one", nil, nil, int64(1))
				return err
			}); err != nil {
				b.Fatal(err)
			}

			b.Run("raw", func(b *testing.B) {
				raw, err := mlflowdb.OpenSQL(uri)
				if err != nil {
					b.Fatal(err)
				}
				defer raw.Close()
				query := benchQuery
				if dialect == "sqlite" {
					query = `SELECT name, n FROM items WHERE id = ?1`
				}
				var name string
				var n int64
				for b.Loop() {
					if err := raw.QueryRowContext(ctx, query, int64(1)).Scan(&name, &n); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, mode := range []string{"noop", "sdk"} {
				b.Run(mode, func(b *testing.B) {
					// Set explicitly: once a global provider has been set, the
					// default delegates to it for good.
					prevT, prevM := otel.GetTracerProvider(), otel.GetMeterProvider()
					defer func() { otel.SetTracerProvider(prevT); otel.SetMeterProvider(prevM) }()
					if mode == "sdk" {
						otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample())))
						otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
					} else {
						otel.SetTracerProvider(tracenoop.NewTracerProvider())
						otel.SetMeterProvider(metricnoop.NewMeterProvider())
					}
					db := dbtest.OpenWith(b, uri, mlflowdb.Options{MaxConns: 1, ReadConns: 1})
					var name string
					var n int64
					for b.Loop() {
						if err := db.Q().QueryRow(ctx, benchQuery, int64(1)).Scan(&name, &n); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
