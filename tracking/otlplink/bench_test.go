package otlplink_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"
)

// BenchmarkOTLPExport measures what a client waits for one OTLP export
// through the sidecar to a fake MLflow that stores the trace row in
// PostgreSQL as MLflow does, with auto-linking off (no tap) and on (the
// Linker reads every export and links its trace in the background, on the
// same two cores). Each export is a root span and an MCP span naming a
// registered version, under a fresh trace id. The two sidecars take turns
// request by request, so drift on the machine hits both alike; the
// benchmark reports each one's median and 95th percentile and the ratio of
// the medians (on/off).
func BenchmarkOTLPExport(b *testing.B) {
	e := newEnv(b, dbtest.Postgres(b), otlplink.Options{})
	e.register("default", brave, "1.2.0")
	e.mlflow.forget = true
	body, idAt := benchExport(b)
	off, on := e.benchSidecar(b, nil), e.benchSidecar(b, e.linker)
	linked := counter(b, mLinked, "")
	var latOff, latOn []time.Duration
	i := 0
	for b.Loop() {
		first, second := off, on
		if i%2 == 1 {
			first, second = on, off
		}
		i++
		for _, srv := range []*httptest.Server{first, second} {
			d := postExport(b, srv, body, idAt)
			if srv == on {
				latOn = append(latOn, d)
			} else {
				latOff = append(latOff, d)
			}
		}
	}
	b.StopTimer()
	if err := e.linker.Flush(e.ctx); err != nil {
		b.Fatal(err)
	}
	if got := counter(b, mLinked, "") - linked; got != int64(len(latOn)) {
		b.Fatalf("%d traces linked of %d exported with auto-linking on", got, len(latOn))
	}
	p50Off, p95Off := percentiles(latOff)
	p50On, p95On := percentiles(latOn)
	b.ReportMetric(p50Off, "off-p50-ms")
	b.ReportMetric(p95Off, "off-p95-ms")
	b.ReportMetric(p50On, "on-p50-ms")
	b.ReportMetric(p95On, "on-p95-ms")
	b.ReportMetric(p50On/p50Off, "on/off-p50")
}

func (e *env) benchSidecar(b *testing.B, tap proxy.Tap) *httptest.Server {
	cfg := proxy.Config{URL: e.mlflowURL}
	if tap != nil {
		cfg.Tap = tap
	}
	up, err := proxy.NewUpstream(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(up.Close)
	srv := httptest.NewServer(up)
	b.Cleanup(srv.Close)
	return srv
}

// postExport sends the export under a fresh trace id and returns how long
// the client waited for the answer.
func postExport(b *testing.B, srv *httptest.Server, body []byte, idAt []int) time.Duration {
	var id [16]byte
	_, _ = rand.Read(id[:])
	for _, at := range idAt {
		copy(body[at:], id[:])
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+otlplink.TracesPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("x-mlflow-experiment-id", "1")
	t0 := time.Now()
	resp, err := srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
	return d
}

func percentiles(lat []time.Duration) (p50, p95 float64) {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return ms(lat[len(lat)/2]), ms(lat[min(len(lat)-1, len(lat)*95/100)])
}

// benchExport marshals an export of two spans of one trace and returns the
// offsets of the trace id in it, to rewrite per request.
func benchExport(b *testing.B) ([]byte, []int) {
	marker := []byte("TRACEIDTRACEID!!")
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	now := uint64(time.Now().UnixNano())
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
		{TraceId: marker, SpanId: []byte("rootspan"), Name: "agent run", StartTimeUnixNano: now, EndTimeUnixNano: now + 1e6},
		{TraceId: marker, SpanId: []byte("mcpspan1"), ParentSpanId: []byte("rootspan"), Name: "tools/call search",
			Kind: tracepb.Span_SPAN_KIND_CLIENT, StartTimeUnixNano: now, EndTimeUnixNano: now + 5e5, Attributes: []*commonpb.KeyValue{
				str(otlplink.AttrServerName, brave), str(otlplink.AttrServerVersion, "1.2.0"), str(otlplink.AttrMCPMethod, "tools/call"),
			}},
	}}}}}}
	body, err := proto.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	var at []int
	for off := 0; ; {
		i := bytes.Index(body[off:], marker)
		if i < 0 {
			break
		}
		at = append(at, off+i)
		off += i + len(marker)
	}
	if len(at) != 2 {
		b.Fatalf("trace id found %d times", len(at))
	}
	return body, at
}
