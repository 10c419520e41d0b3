package mlflowdb_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// installTelemetry points the global providers at in-memory recorders for
// the test's duration.
func installTelemetry(t *testing.T) (*tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	prevT, prevM := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetTracerProvider(prevT); otel.SetMeterProvider(prevM) })
	return spans, reader
}

func spanAttrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestTelemetry(t *testing.T) {
	const secret = "value-that-must-not-leak"
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		spans, reader := installTelemetry(t)
		ctx := ctxT(t)
		db := itemsDB(t, uri, mlflowdb.Options{})
		err := db.Write(ctx, func(q mlflowdb.Querier) error {
			_, err := q.Exec(ctx, insertItem, int64(1), secret, nil, nil, nil)
			return err
		}, "lock-key")
		if err != nil {
			t.Fatal(err)
		}
		_ = db.Q().QueryRow(ctx, `SELECT nope FROM items`).Scan(new(string))

		byName := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range spans.Ended() {
			byName[s.Name()] = s
			for _, kv := range s.Attributes() {
				if strings.Contains(kv.Value.Emit(), secret) {
					t.Errorf("span %s attribute %s carries an argument value", s.Name(), kv.Key)
				}
			}
		}
		tx, insert, bad := byName["mlflowdb.write"], byName["INSERT items"], byName["SELECT items"]
		if tx == nil || insert == nil || bad == nil {
			t.Fatalf("missing spans; got %v", keys(byName))
		}
		if insert.Parent().SpanID() != tx.SpanContext().SpanID() {
			t.Error("the statement span is not a child of the transaction span")
		}
		a := spanAttrs(insert)
		if a["db.system"].AsString() != uri.Dialect.String() || a["db.operation.name"].AsString() != "INSERT" ||
			a["db.query.summary"].AsString() != "INSERT items" {
			t.Errorf("statement span attributes: %v", a)
		}
		if got := spanAttrs(tx)["mlflowdb.attempts"].AsInt64(); got != 1 {
			t.Errorf("mlflowdb.attempts = %d", got)
		}
		if bad.Status().Code != codes.Error {
			t.Errorf("failed statement span status = %v", bad.Status())
		}
		if uri.Dialect == mlflowdb.Postgres && byName["SELECT"] == nil {
			t.Error("the advisory lock statement has no span")
		}

		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		counts := map[string]uint64{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				h, ok := m.Data.(metricdata.Histogram[float64])
				if !ok {
					continue
				}
				for _, dp := range h.DataPoints {
					op, _ := dp.Attributes.Value("db.operation.name")
					counts[m.Name+" "+op.AsString()] += dp.Count
				}
			}
		}
		if counts["db.client.operation.duration INSERT"] < 1 || counts["mlflowdb.transaction.duration "] < 1 {
			t.Errorf("histogram counts: %v", counts)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
