package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// captureHandler keeps "LEVEL message" lines.
type captureHandler struct {
	mu    sync.Mutex
	lines []string
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *captureHandler) WithGroup(string) slog.Handler            { return h }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}

func (h *captureHandler) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lines
	h.lines = nil
	return l
}

func decodeMLflowError(t *testing.T, res *http.Response, body []byte) mlflowerr.Body {
	t.Helper()
	var e mlflowerr.Body
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error content type %q", ct)
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

func TestUpstreamDownThenUp(t *testing.T) {
	addr := closedAddr(t)

	reader := sdkmetric.NewManualReader()
	logs := &captureHandler{}
	up, err := NewUpstream(Config{URL: "http://" + addr, Logger: slog.New(logs),
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	rt, _ := NewRouter("", up)
	if err := rt.Handle(Route{Name: "own", Path: "/api/3.0/mlflow/mcp-servers", Subtree: true, Handler: named("own")}); err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rt)
	defer front.Close()

	for i := 0; i < 3; i++ {
		res, body := rawRequest(t, front, "GET", "/api/2.0/mlflow/experiments/search", http.Header{}, "")
		if e := decodeMLflowError(t, res, body); res.StatusCode != 502 || e.ErrorCode != "TEMPORARILY_UNAVAILABLE" {
			t.Fatalf("upstream down: %d %+v", res.StatusCode, e)
		}
	}
	if res, body := rawRequest(t, front, "GET", "/api/3.0/mlflow/mcp-servers", http.Header{}, ""); res.StatusCode != 200 || string(body) != "own" {
		t.Fatalf("own route while upstream down: %d %q", res.StatusCode, body)
	}

	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("re-listening on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: &recorder{}}
	go srv.Serve(l)
	defer srv.Close()
	if res, body := rawRequest(t, front, "GET", "/api/2.0/mlflow/experiments/search", http.Header{}, ""); res.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("after MLflow came up: %d %q", res.StatusCode, body)
	}

	want := []string{"ERROR MLflow upstream unavailable", "INFO MLflow upstream recovered"}
	if got := logs.take(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logs %q, want %q (one line per outage, not per request)", got, want)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != meterName {
			continue
		}
		for _, m := range sm.Metrics {
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				for _, kv := range dp.Attributes.ToSlice() {
					got[m.Name+" "+kv.Value.AsString()] += dp.Value
				}
			}
		}
	}
	wantM := map[string]int64{
		"mlflow_sidecar.proxy.responses 5xx":             3,
		"mlflow_sidecar.proxy.responses 2xx":             1,
		"mlflow_sidecar.proxy.upstream_failures refused": 3,
	}
	if fmt.Sprint(got) != fmt.Sprint(wantM) {
		t.Errorf("metrics %v, want %v", got, wantM)
	}
}

func TestUpstreamSlowIsGatewayTimeout(t *testing.T) {
	cases := []struct {
		name           string
		headerTimeout  time.Duration
		callerDeadline time.Duration // a deadline set in front of the proxy
	}{
		{"response header timeout", 50 * time.Millisecond, 0},
		{"caller deadline", 0, 50 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select { // never answers while the test runs
				case <-r.Context().Done():
				case <-release:
				}
			}))
			up, err := NewUpstream(Config{URL: upstream.URL, ResponseHeaderTimeout: c.headerTimeout,
				Logger: slog.New(&captureHandler{})})
			if err != nil {
				t.Fatal(err)
			}
			defer up.Close()
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.callerDeadline > 0 {
					ctx, cancel := context.WithTimeout(r.Context(), c.callerDeadline)
					defer cancel()
					r = r.WithContext(ctx)
				}
				up.ServeHTTP(w, r)
			}))
			defer front.Close()
			res, body := rawRequest(t, front, "POST", "/api/2.0/mlflow/runs/search", http.Header{}, "{}")
			if e := decodeMLflowError(t, res, body); res.StatusCode != 504 || e.ErrorCode != "TEMPORARILY_UNAVAILABLE" {
				t.Fatalf("slow upstream: %d %+v", res.StatusCode, e)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want failure
	}{
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, failRefused},
		{"dial timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, failTimeout},
		{"deadline", fmt.Errorf("round trip: %w", context.DeadlineExceeded), failTimeout},
		{"dns", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "mlflow"}}, failDNS},
		{"reset", io.ErrUnexpectedEOF, failOther},
		{"other", errors.New("boom"), failOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := classify(c.err); got != c.want {
				t.Fatalf("classify(%v) = %+v, want %+v", c.err, got, c.want)
			}
		})
	}
}

func TestOutageLogIsOncePerBurst(t *testing.T) {
	const interval = 10 * time.Second
	// Each step: advance the clock, then fail or succeed; want is what is
	// logged by that step.
	type step struct {
		after time.Duration
		ok    bool
		want  string
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"healthy stays quiet", []step{{0, true, ""}, {time.Second, true, ""}}},
		{"burst logs once", []step{{0, false, "ERROR MLflow upstream unavailable"}, {time.Second, false, ""}, {time.Second, false, ""}}},
		{"summary per interval", []step{
			{0, false, "ERROR MLflow upstream unavailable"},
			{time.Second, false, ""},
			{interval, false, "WARN MLflow upstream still unavailable"},
			{time.Second, false, ""},
			{interval, false, "WARN MLflow upstream still unavailable"},
		}},
		{"recovery logged once", []step{
			{0, false, "ERROR MLflow upstream unavailable"},
			{time.Second, true, "INFO MLflow upstream recovered"},
			{time.Second, true, ""},
		}},
		{"new outage after recovery", []step{
			{0, false, "ERROR MLflow upstream unavailable"},
			{0, true, "INFO MLflow upstream recovered"},
			{0, false, "ERROR MLflow upstream unavailable"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := time.Unix(1_700_000_000, 0)
			logs := &captureHandler{}
			o := newOutageLog(slog.New(logs), interval, func() time.Time { return now })
			for i, s := range c.steps {
				now = now.Add(s.after)
				if s.ok {
					o.success()
				} else {
					o.failure(failRefused, syscall.ECONNREFUSED)
				}
				if got := strings.Join(logs.take(), "|"); got != s.want {
					t.Fatalf("step %d: logged %q, want %q", i, got, s.want)
				}
			}
		})
	}
}
