package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
)

// fakeMLflow records what reaches MLflow and answers like it.
type fakeMLflow struct {
	*httptest.Server
	last atomic.Pointer[http.Request]
}

func newFakeMLflow(t *testing.T) *fakeMLflow {
	f := &fakeMLflow{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.last.Store(r.Clone(r.Context()))
		switch {
		case r.URL.Path == "/health":
			_, _ = io.WriteString(w, "OK")
		case strings.HasPrefix(r.URL.Path, "/slow"):
			time.Sleep(time.Second)
			_, _ = io.WriteString(w, "slow done")
		case r.URL.Path == "/api/2.0/mlflow/experiments/search":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"experiments": []}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"path": "`+r.URL.EscapedPath()+`"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

const version100 = `{"server_json": {"name": "io.github.acme/weather", "version": "1.0.0",
	"description": "Forecasts", "remotes": [{"type": "streamable-http", "url": "https://weather.acme.dev/mcp"}]},
	"status": "active", "create_access_endpoints_from_remotes": true}`

// TestBinaryOnSQLite drives the binary on the embedded default: registry
// round trip, proxying, the Host rule, metrics, and a graceful stop that
// lets an in-flight proxied request finish.
func TestBinaryOnSQLite(t *testing.T) {
	mlflow := newFakeMLflow(t)
	p := start(t, mlflow.URL, "--auth", "none")

	code, body, _ := do(t, "POST", p.url("/api/3.0/mlflow/mcp-servers/io.github.acme%2Fweather/versions"), version100)
	if code != 200 {
		t.Fatalf("register: %d %s", code, body)
	}
	code, body, _ = do(t, "GET", p.url("/ajax-api/3.0/mlflow/mcp-servers/io.github.acme/weather"), "")
	var server struct {
		LatestVersion   string `json:"latest_version"`
		Status          string `json:"status"`
		AccessEndpoints []struct {
			URL string `json:"url"`
		} `json:"access_endpoints"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &server) != nil || server.LatestVersion != "1.0.0" ||
		server.Status != "active" || len(server.AccessEndpoints) != 1 {
		t.Fatalf("get server: %d %s", code, body)
	}

	// Everything else is MLflow's, with the raw path kept.
	code, body, _ = do(t, "GET", p.url("/ajax-api/2.0/mlflow/registered-models/get?name=a%2Fb"), "")
	if code != 200 || !strings.Contains(body, `/ajax-api/2.0/mlflow/registered-models/get`) {
		t.Fatalf("proxy: %d %s", code, body)
	}
	code, body, _ = do(t, "GET", p.url("/get-artifact/a%2Fb%20c"), "")
	if code != 200 || !strings.Contains(body, "a%2Fb%20c") {
		t.Fatalf("raw path not kept: %d %s", code, body)
	}
	if got := mlflow.last.Load().Header.Get("X-Forwarded-For"); got == "" {
		t.Error("X-Forwarded-For not set upstream")
	}

	// The Host rule: MLflow's DNS-rebinding answer, even for proxied paths.
	code, body, _ = do(t, "GET", p.url("/ajax-api/2.0/mlflow/experiments/search"), "", "Host", "evil.example.com")
	if code != 403 || !strings.Contains(body, "DNS rebinding") {
		t.Fatalf("foreign Host: %d %s", code, body)
	}

	// Metrics on the admin listener.
	resp, err := http.Get("http://" + p.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "http_server_request_duration") {
		t.Errorf("no HTTP server metrics in /metrics")
	}

	// SIGTERM while a proxied request is in flight: it still completes.
	done := make(chan string, 1)
	go func() {
		resp, err := http.Get(p.url("/slow"))
		if err != nil {
			done <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- string(b)
	}()
	time.Sleep(200 * time.Millisecond)
	p.stop(t)
	if got := <-done; got != "slow done" {
		t.Fatalf("in-flight request during shutdown: %q", got)
	}
	if !strings.Contains(p.log(), "draining") {
		t.Errorf("no drain in the log")
	}
}

// TestBinaryOnPostgres: the same binary on PostgreSQL, `migrate status`
// reporting the owner, and MLflow's URI forms accepted.
func TestBinaryOnPostgres(t *testing.T) {
	uri := postgresURI(t)
	mlflow := newFakeMLflow(t)
	code, out := runCLI(t, nil, "migrate", "up", "--backend-store-uri", uri)
	if code != 0 || !strings.Contains(out, "sidecar") {
		t.Fatalf("migrate up: %d\n%s", code, out)
	}
	p := start(t, mlflow.URL, "--auth", "none", "--backend-store-uri", uri, "--migrate", "off")
	code, body, _ := do(t, "POST", p.url("/api/3.0/mlflow/mcp-servers/io.github.acme%2Fweather/versions"), version100)
	if code != 200 {
		t.Fatalf("register: %d %s", code, body)
	}
	code, body, _ = do(t, "GET", p.url("/v0.1/servers?search=weather"), "")
	if code != 200 || !strings.Contains(body, `"io.github.acme/weather"`) {
		t.Fatalf("/v0.1 list: %d %s", code, body)
	}
	code, out = runCLI(t, nil, "migrate", "status", "--backend-store-uri", uri)
	if code != 0 || !strings.Contains(out, "MCP tables owner:  sidecar") {
		t.Fatalf("migrate status: %d\n%s", code, out)
	}
	p.stop(t)
}

// postgresURI is an MLflow-style URI of a fresh schema on the test server.
func postgresURI(t *testing.T) string {
	dbtest.Postgres(t) // fails loudly when there is no server; cleans up its schema
	base, err := url.Parse(dbtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	schema := "integration_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	admin := base.String()
	mustExec(t, admin, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	mustExec(t, admin, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { mustExec(t, admin, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`) })
	q := base.Query()
	q.Set("options", "-csearch_path="+schema)
	base.RawQuery = q.Encode()
	base.Scheme = "postgresql+psycopg2" // MLflow's form, driver suffix and all
	return base.String()
}

// TestCommandLine: start-up refusals and help text.
func TestCommandLine(t *testing.T) {
	cases := []struct {
		args     []string
		env      []string
		wantCode int
		want     string
	}{
		{[]string{"version"}, nil, 0, "mlflow-sidecar"},
		{[]string{"serve", "--help"}, nil, 0, "MLFLOW_BACKEND_STORE_URI"},
		{[]string{"serve", "--backend-store-uri", "mysql://u@h/db"}, nil, 2, "postgresql"},
		{[]string{"serve", "--backend-store-uri", "file:./mlruns"}, nil, 2, "sqlite"},
		{[]string{"serve"}, []string{"MLFLOW_BACKEND_STORE_URI=./mlruns"}, 2, "sqlite"},
		{[]string{"serve", "--static-prefix", "mlflow/"}, nil, 2, "--static-prefix"},
		{[]string{"serve", "--auth", "maybe"}, nil, 2, "auth"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out := runCLI(t, c.env, c.args...)
			if code != c.wantCode || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d (want %d), output:\n%s", code, c.wantCode, out)
			}
		})
	}
}
