package proxy

import (
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestTraceContextPropagatesAsChildSpan(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	rec := &recorder{}
	upstream := startUpstream(t, rec)
	up, err := NewUpstream(Config{URL: upstream.URL, TracerProvider: tp, Propagator: prop})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()

	cases := []struct {
		name     string
		incoming string // the client's own traceparent, if any
	}{
		{"no incoming trace", ""},
		{"incoming trace continued", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var server trace.SpanContext
			// Stands in for the sidecar's server-span middleware.
			front := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
				ctx, span := tp.Tracer("test").Start(ctx, "sidecar", trace.WithSpanKind(trace.SpanKindServer))
				defer span.End()
				server = span.SpanContext()
				up.ServeHTTP(w, r.WithContext(ctx))
			}))
			hdr := http.Header{"Tracestate": {"vendor=abc"}}
			if c.incoming != "" {
				hdr.Set("Traceparent", c.incoming)
			}
			rawRequest(t, front, "GET", "/api/2.0/mlflow/experiments/search", hdr, "")
			got := rec.last(t).Header.Get("Traceparent")
			parts := strings.Split(got, "-")
			if len(parts) != 4 || parts[1] != server.TraceID().String() {
				t.Fatalf("upstream traceparent %q not in the sidecar's trace %s", got, server.TraceID())
			}
			if c.incoming != "" && parts[1] != strings.Split(c.incoming, "-")[1] {
				t.Fatalf("client's trace id not kept: %q", got)
			}
			var client sdktrace.ReadOnlySpan
			for _, s := range spans.Ended() {
				if s.SpanKind() == trace.SpanKindClient && s.SpanContext().TraceID() == server.TraceID() {
					client = s
				}
			}
			if client == nil {
				t.Fatal("no client span for the upstream hop")
			}
			if client.Parent().SpanID() != server.SpanID() || parts[2] != client.SpanContext().SpanID().String() {
				t.Fatalf("hop not a child of the sidecar span: client parent %s, server %s, traceparent parent %s",
					client.Parent().SpanID(), server.SpanID(), parts[2])
			}
			if ts := rec.last(t).Header.Get("Tracestate"); c.incoming != "" && ts != "vendor=abc" {
				t.Fatalf("tracestate %q not propagated", ts)
			}
		})
	}
}

// The client span names the upstream URL without its query string: queries
// carry identifiers and, with some auth plugins, tokens. MLflow still gets
// the query as sent.
func TestClientSpanURLHasNoQuery(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	rec := &recorder{}
	upstream := startUpstream(t, rec)
	_, front := startProxy(t, Config{URL: upstream.URL + "/base", TracerProvider: tp})
	base := upstream.URL + "/base"
	cases := []struct {
		name, target, wantURL string
	}{
		{"query with a secret", "/api/2.0/mlflow/runs/get?run_id=abc&access_token=s3cret", base + "/api/2.0/mlflow/runs/get"},
		{"empty query", "/api/2.0/mlflow/experiments/search?", base + "/api/2.0/mlflow/experiments/search"},
		{"escaped path", "/get-artifact/a%2Fb?path=s3cret", base + "/get-artifact/a%2Fb"},
		{"path net/url would re-escape", "/x/a|b?token=s3cret", base + "/x/a|b"},
		{"no query", "/api/2.0/mlflow/runs/get", base + "/api/2.0/mlflow/runs/get"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spans.Reset()
			rawRequest(t, front, "GET", c.target, http.Header{}, "")
			if got := rec.last(t).RequestURI; got != "/base"+c.target {
				t.Fatalf("MLflow got %q, want %q", got, "/base"+c.target)
			}
			var client sdktrace.ReadOnlySpan
			for _, s := range spans.Ended() {
				if s.SpanKind() == trace.SpanKindClient {
					client = s
				}
			}
			if client == nil {
				t.Fatal("no client span")
			}
			var full string
			for _, a := range client.Attributes() {
				if strings.Contains(a.Value.Emit(), "s3cret") || strings.Contains(a.Value.Emit(), "run_id") {
					t.Errorf("attribute %s = %q holds the query", a.Key, a.Value.Emit())
				}
				if a.Key == "url.full" {
					full = a.Value.AsString()
				}
			}
			if full != c.wantURL {
				t.Errorf("url.full %q, want %q", full, c.wantURL)
			}
		})
	}
}
