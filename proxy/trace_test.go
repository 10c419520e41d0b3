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
