package otlplink_test

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"
)

const (
	brave   = "io.github.acme/brave-search"
	weather = "com.example/weather"
)

// exportTrace creates one trace with the OpenTelemetry SDK — a root span
// and a child with attrs and kind — and exports it through the sidecar with
// the OTLP/HTTP exporter. It returns MLflow's id of the trace.
func (e *env) exportTrace(ws string, json, gz bool, kind trace.SpanKind, attrs ...attribute.KeyValue) string {
	e.t.Helper()
	headers := map[string]string{"x-mlflow-experiment-id": "1"}
	if ws != "" {
		headers[scope.WorkspaceHeader] = ws
		if ws == "team-a" {
			headers["x-mlflow-experiment-id"] = "2"
		}
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(e.sidecar.URL + "/v1/traces"),
		otlptracehttp.WithHeaders(headers), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false})}
	if json {
		opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
	}
	if gz {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	}
	exp, err := otlptracehttp.New(e.ctx, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	ctx, root := tp.Tracer("agent").Start(e.ctx, "agent run")
	_, child := tp.Tracer("agent").Start(ctx, "mcp call", trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
	child.End()
	root.End()
	if err := tp.Shutdown(e.ctx); err != nil { // flushes: one export with both spans
		e.t.Fatalf("export: %v", err)
	}
	e.requests(1)
	return "tr-" + root.SpanContext().TraceID().String()
}

type deltas struct{ linked, unresolved, dropped, retried int64 }

func (e *env) counters() deltas {
	return deltas{counter(e.t, mLinked, ""), counter(e.t, mUnresolved, ""), counter(e.t, mDropped, ""), counter(e.t, mRetried, "")}
}

func (d deltas) minus(o deltas) deltas {
	return deltas{d.linked - o.linked, d.unresolved - o.unresolved, d.dropped - o.dropped, d.retried - o.retried}
}

func ptr(s string) *string { return &s }

func TestAutoLink(t *testing.T) {
	e := newEnv(t, dbtest.Postgres(t), otlplink.Options{RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond, IndexTTL: time.Nanosecond})
	e.register("default", brave, "1.2.0")
	e.register("default", brave, "1.3.0")
	e.register("default", weather, "2.0.0")
	e.register("team-a", brave, "1.2.0")
	if err := e.reg.SetAlias(e.ctx, scope.Scope{Workspace: "default"}, brave, "prod", "1.2.0"); err != nil {
		t.Fatal(err)
	}
	e.endpoint(brave, "https://mcp.acme.example/brave", ptr("1.3.0"), nil)
	e.endpoint(weather, "http://weather.internal:8080/mcp", nil, ptr("latest"))

	mcpCall := attribute.String(otlplink.AttrMCPMethod, "tools/call")
	tests := []struct {
		name     string
		ws       string
		json, gz bool
		kind     trace.SpanKind
		attrs    []attribute.KeyValue
		setup    func(e *env)
		status   int // MLflow's answer (200 when 0)
		want     []string
		d        deltas
	}{
		{name: "explicit version", kind: trace.SpanKindInternal,
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "1.3.0")},
			want:  []string{brave + "@1.3.0"}, d: deltas{linked: 1}},
		{name: "explicit alias, JSON-encoded values as MLflow's SDK writes them", kind: trace.SpanKindInternal,
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, `"`+brave+`"`), attribute.String(otlplink.AttrServerAlias, `"prod"`)},
			want:  []string{brave + "@1.2.0"}, d: deltas{linked: 1}},
		{name: "an alias resolves to its version at export time", kind: trace.SpanKindInternal,
			setup: func(e *env) {
				if err := e.reg.SetAlias(e.ctx, scope.Scope{Workspace: "default"}, brave, "prod", "1.3.0"); err != nil {
					e.t.Fatal(err)
				}
			},
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerAlias, "prod")},
			want:  []string{brave + "@1.3.0"}, d: deltas{linked: 1}},
		{name: "URL of an endpoint on a version, gzip", gz: true, kind: trace.SpanKindClient,
			attrs: []attribute.KeyValue{mcpCall, attribute.String(otlplink.AttrURLFull, "HTTPS://MCP.acme.example:443/brave/")},
			want:  []string{brave + "@1.3.0"}, d: deltas{linked: 1}},
		{name: "host and port of an endpoint on latest, JSON", json: true, kind: trace.SpanKindClient,
			attrs: []attribute.KeyValue{mcpCall, attribute.String(otlplink.AttrServerAddress, "Weather.Internal"), attribute.Int(otlplink.AttrServerPort, 8080)},
			want:  []string{weather + "@2.0.0"}, d: deltas{linked: 1}},
		{name: "MCP semantics on a server span are not a reference", kind: trace.SpanKindServer,
			attrs: []attribute.KeyValue{mcpCall, attribute.String(otlplink.AttrURLFull, "https://mcp.acme.example/brave")}},
		{name: "unknown servers are counted, not linked", kind: trace.SpanKindClient,
			attrs: []attribute.KeyValue{mcpCall, attribute.String(otlplink.AttrURLFull, "https://unknown.example/mcp")},
			d:     deltas{unresolved: 1}},
		{name: "unknown version", kind: trace.SpanKindInternal,
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "9.9.9")},
			d:     deltas{unresolved: 1}},
		{name: "MLflow rejects the export", kind: trace.SpanKindInternal, status: http.StatusUnprocessableEntity,
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "1.2.0")}},
		{name: "workspace of the header", ws: "team-a", kind: trace.SpanKindInternal,
			attrs: []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "1.2.0")},
			want:  []string{brave + "@1.2.0"}, d: deltas{linked: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			if tt.setup != nil {
				tt.setup(e)
			}
			e.mlflow.mu.Lock()
			e.mlflow.status = tt.status
			e.mlflow.mu.Unlock()
			before := e.counters()
			traceID := e.exportTrace(tt.ws, tt.json, tt.gz, tt.kind, tt.attrs...)
			e.flush()
			e.sameBytes()
			ws := tt.ws
			if ws == "" {
				ws = "default"
			}
			if tt.status != 0 {
				if e.mlflowHasTrace(traceID) {
					t.Fatal("the fake stored a rejected trace")
				}
			} else if got := e.linked(ws, traceID); !slices.Equal(got, tt.want) {
				t.Fatalf("linked %v, want %v", got, tt.want)
			}
			if got := e.counters().minus(before); got != tt.d {
				t.Fatalf("counter deltas %+v, want %+v", got, tt.d)
			}
		})
	}
}

func (e *env) mlflowHasTrace(id string) bool {
	e.t.Helper()
	var n int64
	if err := e.db.Q().QueryRow(e.ctx, `SELECT count(*) FROM trace_info WHERE request_id = $1`, id).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n > 0
}

// TestAutoLinkWaitsForTheTrace has MLflow store the trace only after it
// answered: the linker retries until the row is there.
func TestAutoLinkWaitsForTheTrace(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri, otlplink.Options{RetryDelay: time.Millisecond, MaxRetryDelay: 20 * time.Millisecond, MaxAttempts: 10000})
		e.register("default", brave, "1.2.0")
		hold := make(chan struct{})
		e.mlflow.hold = hold
		before := e.counters()
		traceID := e.exportTrace("", false, false, trace.SpanKindInternal,
			attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "1.2.0"))
		for counter(t, mRetried, "") == before.retried {
			select {
			case <-e.ctx.Done():
				t.Fatal("the linker never retried")
			case <-time.After(time.Millisecond):
			}
		}
		close(hold)
		e.flush()
		e.sameBytes()
		if got := e.linked("default", traceID); !slices.Equal(got, []string{brave + "@1.2.0"}) {
			t.Fatalf("linked %v", got)
		}
		if d := e.counters().minus(before); d.linked != 1 || d.dropped != 0 || d.retried < 1 {
			t.Fatalf("counter deltas %+v", d)
		}
	})
}

// TestAutoLinkGivesUp: a trace that never appears, and one of another
// workspace, are dropped with their reasons.
func TestAutoLinkGivesUp(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t), otlplink.Options{RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond, MaxAttempts: 3})
	e.register("default", brave, "1.2.0")
	ref := []attribute.KeyValue{attribute.String(otlplink.AttrServerName, brave), attribute.String(otlplink.AttrServerVersion, "1.2.0")}

	e.mlflow.hold = make(chan struct{}) // never released during the test
	before := counter(t, mDropped, otlplink.DropTraceNotFound)
	e.exportTrace("", false, false, trace.SpanKindInternal, ref...)
	e.flush()
	if got := counter(t, mDropped, otlplink.DropTraceNotFound) - before; got != 1 {
		t.Fatalf("trace_not_found drops: %d", got)
	}
	close(e.mlflow.hold)
	e.mlflow.stored.Wait()

	// The header names default, the experiment is team-a's.
	e.mlflow.hold = nil
	before = counter(t, mDropped, otlplink.DropWorkspaceMismatch)
	e.exec(`UPDATE experiments SET workspace = 'team-a' WHERE experiment_id = 1`)
	traceID := e.exportTrace("", false, false, trace.SpanKindInternal, ref...)
	e.flush()
	if got := counter(t, mDropped, otlplink.DropWorkspaceMismatch) - before; got != 1 {
		t.Fatalf("workspace_mismatch drops: %d", got)
	}
	if got := e.linked("team-a", traceID); len(got) != 0 {
		t.Fatalf("linked %v", got)
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hexString(b []byte) string { return hex.EncodeToString(b) }
