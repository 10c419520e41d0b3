package guard

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Every path that logs or traces, driven with real secrets: none of them
// may show up in the log or in any span.
func TestNoSecretsInLogsOrSpans(t *testing.T) {
	log, logs := newTestLogger()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	f := newFakeMLflow(t)
	f.set(func(f *fakeMLflow) { f.hasCurrent = false }) // the fallback logs, and users/get carries a query
	m := newTestMLflow(t, f, UpstreamConfig{Logger: log, TracerProvider: tp})

	requests := []func(*http.Request){
		basic("alice", alicePassword), basic("alice", alicePassword+"x"), basic("admin", adminPassword),
		bearer(bobToken), session(carolSession),
	}
	for _, creds := range requests {
		serveOwn(m, ownRequest(http.MethodPost, creds))
	}
	f.set(func(f *fakeMLflow) { f.status[getUserPath] = 500 })
	serveOwn(m, ownRequest(http.MethodPost, basic("admin", adminPassword+"y")))
	f.srv.Close()
	for _, creds := range requests {
		serveOwn(m, ownRequest(http.MethodPost, creds))
	}

	a, err := NewAuto(UpstreamConfig{URL: f.srv.URL, Logger: log, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	a.Probe(context.Background())
	serveOwn(a, ownRequest(http.MethodPost, basic("alice", alicePassword)))

	hdr, err := NewHeader(HeaderConfig{Header: "Authorization", TrustedProxies: mustCIDRs(t, "10.0.0.0/8"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	serveOwn(hdr, ownRequest(http.MethodPost, basic("alice", alicePassword))) // from an untrusted address

	if !strings.Contains(logs.String(), "cannot verify credentials") {
		t.Fatalf("the scenario did not reach the failure logs:\n%s", logs.String())
	}
	var traced strings.Builder
	for _, s := range spans.Ended() {
		fmt.Fprintln(&traced, s.Name())
		for _, kv := range s.Attributes() {
			fmt.Fprintln(&traced, kv.Key, kv.Value.Emit())
		}
		for _, e := range s.Events() {
			fmt.Fprintln(&traced, e.Name, e.Attributes)
		}
	}
	if !strings.Contains(traced.String(), "guard.verify_credentials") {
		t.Fatalf("no verification span recorded:\n%s", traced.String())
	}
	secrets := []string{
		alicePassword, adminPassword, bobToken, carolSession,
		base64.StdEncoding.EncodeToString([]byte("alice:" + alicePassword)),
		base64.StdEncoding.EncodeToString([]byte("admin:" + adminPassword)),
		"username=", // the users/get query
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log contains %q:\n%s", s, logs.String())
		}
		if strings.Contains(traced.String(), s) {
			t.Errorf("a span contains %q:\n%s", s, traced.String())
		}
	}
}

func mustCIDRs(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	ps, err := ParseCIDRs(s)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	f := newFakeMLflow(t)
	m := newTestMLflow(t, f, UpstreamConfig{MeterProvider: mp})
	for _, creds := range []func(*http.Request){
		basic("alice", alicePassword), basic("alice", alicePassword), basic("alice", "wrong"), nil,
	} {
		serveOwn(m, ownRequest(http.MethodGet, creds))
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"mlflow_sidecar.auth.decisions{mode=mlflow,outcome=allowed}":         2,
		"mlflow_sidecar.auth.decisions{mode=mlflow,outcome=unauthenticated}": 2,
		"mlflow_sidecar.auth.cache_lookups{result=hit}":                      1,
		"mlflow_sidecar.auth.cache_lookups{result=miss}":                     2,
	}
	got := map[string]int64{}
	var verifications uint64
	for _, sm := range rm.ScopeMetrics {
		for _, met := range sm.Metrics {
			switch d := met.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					got[met.Name+attrString(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					verifications += p.Count
				}
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if verifications != 2 {
		t.Errorf("%d verifications timed, want 2", verifications)
	}
}

func attrString(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestWithAuthorizer(t *testing.T) {
	f := newFakeMLflow(t)
	m := newTestMLflow(t, f, UpstreamConfig{})
	var asked []string
	z := AuthorizerFunc(func(r *http.Request, user *string) error {
		asked = append(asked, r.Method+" "+userString(user))
		if r.Method == http.MethodDelete && userString(user) != "admin" {
			return mlflowerr.PermissionDenied("Permission denied")
		}
		return nil
	})
	a := WithAuthorizer(m, z)
	cases := []struct {
		method string
		creds  func(*http.Request)
		status int
	}{
		{http.MethodGet, basic("alice", alicePassword), 200},
		{http.MethodDelete, basic("alice", alicePassword), 403},
		{http.MethodDelete, basic("admin", adminPassword), 200},
		{http.MethodDelete, basic("alice", "wrong"), 401}, // not authenticated: never asked
	}
	for _, tc := range cases {
		res := serveOwn(a, ownRequest(tc.method, tc.creds))
		if res.status != tc.status || res.reached != (tc.status == 200) {
			t.Errorf("%s: status %d reached %v, want %d", tc.method, res.status, res.reached, tc.status)
		}
	}
	if want := "GET alice|DELETE alice|DELETE admin"; strings.Join(asked, "|") != want {
		t.Errorf("authorizer asked %q, want %q", strings.Join(asked, "|"), want)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"auto": ModeAuto, "MLflow": ModeMLflow, " header ": ModeHeader, "none": ModeNone, "basic": ""} {
		got, err := ParseMode(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
}

// The whole chain as the lead wires it: Host rule for every request, the
// Origin rule outside the own-route middleware, authentication inside.
func TestChain(t *testing.T) {
	f := newFakeMLflow(t)
	m := newTestMLflow(t, f, UpstreamConfig{})
	var seen []string
	own := NewOriginRule(OriginConfig{}).Wrap(ownHandler(m, &seen))
	front := NewHostRule(HostConfig{}).Wrap(own)
	cases := []struct {
		name   string
		host   string
		header http.Header
		creds  func(*http.Request)
		method string
		status int
	}{
		{"good", "localhost:5001", nil, basic("alice", alicePassword), "POST", 200},
		{"preflight needs no credentials", "localhost:5001",
			h("Origin", "http://localhost:3000", "Access-Control-Request-Method", "POST"), nil, "OPTIONS", 200},
		{"rebinding refused before authentication", "attacker.example", nil, basic("alice", alicePassword), "POST", 403},
		{"cross-origin write refused before authentication", "localhost:5001", h("Origin", "https://evil.example"),
			basic("alice", alicePassword), "POST", 403},
		{"no credentials", "localhost:5001", nil, nil, "POST", 401},
	}
	for _, tc := range cases {
		r := ownRequest(tc.method, tc.creds)
		r.Host = tc.host
		for k, v := range tc.header {
			r.Header[k] = v
		}
		rec := httptest.NewRecorder()
		front.ServeHTTP(rec, r)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, rec.Code, tc.status, rec.Body)
		}
	}
	if strings.Join(seen, ",") != "alice" {
		t.Errorf("handler saw %q, want only alice's request", seen)
	}
	if got := f.total(); got != 1 {
		t.Errorf("MLflow was asked %d times; refused requests must not reach it", got)
	}
}
