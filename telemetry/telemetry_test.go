package telemetry_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/mlflow-sidecar/mlflow-sidecar/telemetry"
)

func TestSetup(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		exported bool
	}{
		{"nothing configured", nil, false},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true},
		{"exporter none wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_TRACES_EXPORTER": "none"}, false},
		{"sdk disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_SDK_DISABLED": "true"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"} {
				t.Setenv(k, c.env[k])
			}
			p, err := telemetry.Setup(context.Background(), "mlflow-sidecar", "test")
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			if p.TracesExported != c.exported {
				t.Fatalf("TracesExported=%v, want %v", p.TracesExported, c.exported)
			}
			counter, err := otel.Meter("test").Int64Counter("telemetry_test_requests")
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(context.Background(), 3)
			rec := httptest.NewRecorder()
			p.Metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			body, _ := io.ReadAll(rec.Body)
			if !strings.Contains(string(body), "telemetry_test_requests_total") || !strings.Contains(string(body), "go_goroutines") {
				t.Fatalf("metrics exposition lacks the counter or runtime metrics:\n%.500s", body)
			}
		})
	}
}

func TestLogger(t *testing.T) {
	if _, err := telemetry.NewLogger(io.Discard, "json", "loud"); err == nil {
		t.Error("an unknown level was accepted")
	}
	if _, err := telemetry.NewLogger(io.Discard, "xml", "info"); err == nil {
		t.Error("an unknown format was accepted")
	}
	var buf bytes.Buffer
	log, err := telemetry.NewLogger(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	tid, _ := trace.TraceIDFromHex("0123456789abcdef0123456789abcdef")
	sid, _ := trace.SpanIDFromHex("0123456789abcdef")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	log.InfoContext(ctx, "hello")
	log.Debug("hidden")
	if !strings.Contains(buf.String(), `"trace_id":"0123456789abcdef0123456789abcdef"`) || strings.Contains(buf.String(), "hidden") {
		t.Fatalf("log output: %s", buf.String())
	}
}
