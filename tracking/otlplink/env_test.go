package otlplink_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"
)

// reader collects the package's counters. The global MeterProvider is set
// once for the test binary; tests compare counter values before and after.
var reader = func() *sdkmetric.ManualReader {
	r := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	return r
}()

// counter sums a counter's points, optionally only those of one reason.
func counter(t testing.TB, name, reason string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if m.Name != name || !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				if v, _ := dp.Attributes.Value("reason"); reason == "" || v.AsString() == reason {
					n += dp.Value
				}
			}
		}
	}
	return n
}

const (
	mLinked     = "mlflow_sidecar.otlp_autolink.linked"
	mUnresolved = "mlflow_sidecar.otlp_autolink.unresolved"
	mDropped    = "mlflow_sidecar.otlp_autolink.dropped"
	mRetried    = "mlflow_sidecar.otlp_autolink.retried"
)

// fakeMLflow answers OTLP exports like MLflow's receiver: it records the
// bytes, and for an accepted export stores a trace_info row per trace (in
// the experiment of the x-mlflow-experiment-id header) — at once, or only
// when hold is released.
type fakeMLflow struct {
	t      testing.TB
	db     *mlflowdb.DB
	mu     sync.Mutex
	bodies [][]byte
	status int           // answer; 200 unless set
	hold   chan struct{} // when set, rows are stored after it is closed
	forget bool          // keep no bodies (benchmarks)
	stored sync.WaitGroup
}

// The Go exporter writes OTLP/JSON ids in upper-case hex.
var hexTraceID = regexp.MustCompile(`"traceId":"([0-9a-fA-F]{32})"`)

func (f *fakeMLflow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake MLflow reading the body: %v", err)
	}
	f.mu.Lock()
	if !f.forget {
		f.bodies = append(f.bodies, body)
	}
	status, hold := f.status, f.hold
	f.mu.Unlock()
	if status != 0 && status != http.StatusOK {
		http.Error(w, `{"detail":"rejected"}`, status)
		return
	}
	ids := f.traceIDs(r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), body)
	exp, _ := strconv.ParseInt(r.Header.Get("x-mlflow-experiment-id"), 10, 64)
	f.stored.Add(1)
	go func() {
		defer f.stored.Done()
		if hold != nil {
			<-hold
		}
		for _, id := range ids {
			if err := f.db.Write(context.Background(), func(q mlflowdb.Querier) error {
				_, err := q.Exec(context.Background(), `INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, status)
VALUES ($1, $2, $3, 'OK') ON CONFLICT (request_id) DO NOTHING`, id, exp, time.Now().UnixMilli())
				return err
			}); err != nil {
				f.t.Errorf("fake MLflow storing %s: %v", id, err)
			}
		}
	}()
	if hold == nil {
		f.stored.Wait()
	}
	if r.Header.Get("Content-Type") == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	}
	resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func (f *fakeMLflow) traceIDs(contentType, encoding string, body []byte) []string {
	raw := body
	if encoding == "gzip" {
		raw = gunzip(f.t, body)
	}
	var ids []string
	if contentType == "application/json" {
		for _, m := range hexTraceID.FindAllSubmatch(raw, -1) {
			ids = append(ids, "tr-"+strings.ToLower(string(m[1])))
		}
		return ids
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		f.t.Errorf("fake MLflow: %v", err)
	}
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				ids = append(ids, "tr-"+hexString(s.TraceId))
			}
		}
	}
	return ids
}

// env is a sidecar chain: client → capture → proxy (with the Linker as
// tap) → fake MLflow, over a real database with MLflow's schema.
type env struct {
	t         testing.TB
	ctx       context.Context
	db        *mlflowdb.DB
	reg       *mcpregistry.Registry
	svc       *tracking.Service
	linker    *otlplink.Linker
	mlflow    *fakeMLflow
	mlflowURL string
	sidecar   *httptest.Server
	mu        sync.Mutex
	sent      [][]byte      // what clients sent to the sidecar
	finished  chan struct{} // one value per request the proxy (and tap) finished
}

func newEnv(t testing.TB, uri mlflowdb.URI, opt otlplink.Options) *env {
	t.Helper()
	dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112)
	db := dbtest.Migrated(t, uri)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	st := store.New(db)
	e := &env{t: t, ctx: ctx, db: db, reg: mcpregistry.New(mcpregistry.Config{Store: st}), finished: make(chan struct{}, 64)}
	e.svc = tracking.New(tracking.Config{DB: db, Store: st})
	var err error
	if e.linker, err = otlplink.New(e.svc, e.reg, opt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.linker.Shutdown(sctx)
	})
	e.mlflow = &fakeMLflow{t: t, db: db}
	upstream := httptest.NewServer(e.mlflow)
	t.Cleanup(upstream.Close)
	e.mlflowURL = upstream.URL
	t.Cleanup(e.mlflow.stored.Wait)
	up, err := proxy.NewUpstream(proxy.Config{URL: upstream.URL, Tap: e.linker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	e.sidecar = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.sent = append(e.sent, body)
		e.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		up.ServeHTTP(w, r) // the tap's Done has run when this returns
		e.finished <- struct{}{}
	}))
	t.Cleanup(e.sidecar.Close)
	e.exec(`INSERT INTO workspaces (name) VALUES ('team-a') ON CONFLICT (name) DO NOTHING`)
	e.exec(`INSERT INTO experiments (experiment_id, name, lifecycle_stage, workspace) VALUES (1, 'agents-1', 'active', 'default')`)
	e.exec(`INSERT INTO experiments (experiment_id, name, lifecycle_stage, workspace) VALUES (2, 'agents-2', 'active', 'team-a')`)
	return e
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if err := e.db.Write(e.ctx, func(q mlflowdb.Querier) error {
		_, err := q.Exec(e.ctx, sql, args...)
		return err
	}); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

// register creates an active version of a server in ws.
func (e *env) register(ws, name, version string) {
	e.t.Helper()
	active := string(mcpregistry.StatusActive)
	in := mcpregistry.CreateVersionInput{ServerJSON: []byte(`{"name": "` + name + `", "version": "` + version + `"}`), Status: &active}
	if _, err := e.reg.CreateVersion(e.ctx, scope.Scope{Workspace: ws}, name, in); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) endpoint(name, url string, version, alias *string) {
	e.t.Helper()
	in := mcpregistry.CreateEndpointInput{URL: url, ServerVersion: version, ServerAlias: alias}
	if _, err := e.reg.CreateEndpoint(e.ctx, scope.Scope{Workspace: "default"}, name, in); err != nil {
		e.t.Fatal(err)
	}
}

// linked lists the versions linked to a trace, as name@version.
func (e *env) linked(ws, traceID string) []string {
	e.t.Helper()
	views, err := e.svc.VersionsForTrace(e.ctx, ws, traceID)
	if err != nil {
		e.t.Fatalf("versions of %s: %v", traceID, err)
	}
	var out []string
	for _, v := range views {
		out = append(out, v.Name+"@"+v.Version.Version)
	}
	return out
}

// requests waits for n requests to have gone through the proxy and its tap.
func (e *env) requests(n int) {
	e.t.Helper()
	for range n {
		select {
		case <-e.finished:
		case <-e.ctx.Done():
			e.t.Fatal("requests did not finish")
		}
	}
}

func (e *env) flush() {
	e.t.Helper()
	if err := e.linker.Flush(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// sameBytes checks that MLflow received exactly what clients sent.
func (e *env) sameBytes() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mlflow.mu.Lock()
	defer e.mlflow.mu.Unlock()
	if len(e.sent) != len(e.mlflow.bodies) {
		e.t.Fatalf("%d requests sent, MLflow got %d", len(e.sent), len(e.mlflow.bodies))
	}
	for i := range e.sent {
		if !bytes.Equal(e.sent[i], e.mlflow.bodies[i]) {
			e.t.Fatalf("request %d: MLflow got other bytes than the client sent", i)
		}
	}
}
