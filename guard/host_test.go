package guard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHostRule(t *testing.T) {
	cases := []struct {
		name     string
		allowed  []string // nil: the defaults
		trustFwd bool
		host     string
		fwd      []string // X-Forwarded-Host lines
		path     string
		want     bool
	}{
		// MLflow's default names, any port.
		{name: "localhost", host: "localhost", want: true},
		{name: "localhost with port", host: "localhost:5001", want: true},
		{name: "upper case", host: "LOCALHOST:5001", want: true},
		{name: "loopback v4", host: "127.0.0.1:5001", want: true},
		{name: "loopback v6 literal", host: "[::1]:5001", want: true},
		{name: "loopback v6 without port", host: "[::1]", want: true},
		{name: "0.0.0.0", host: "0.0.0.0:80", want: true},
		{name: "other loopback address", host: "127.0.0.2:5001", want: false},
		{name: "port that is not a number", host: "localhost:evil", want: false},
		{name: "trailing dot", host: "localhost.:5001", want: false},
		{name: "unclosed bracket", host: "[::1", want: false},
		// Private ranges, as address literals only.
		{name: "10/8", host: "10.1.2.3:5001", want: true},
		{name: "172.16/12 low", host: "172.16.0.1", want: true},
		{name: "172.16/12 high", host: "172.31.255.255:1", want: true},
		{name: "172.32 is public", host: "172.32.0.1", want: false},
		{name: "192.168/16", host: "192.168.1.10:8080", want: true},
		{name: "fc00::/7 bracketed", host: "[fd12:3456::1]:5001", want: true},
		{name: "fc00::/7 unbracketed", host: "fd00::1", want: true},
		{name: "link-local v6", host: "[fe80::1]:5001", want: false},
		{name: "public v6", host: "[2001:db8::1]:5001", want: false},
		{name: "public v4", host: "203.0.113.5:5001", want: false},
		{name: "rebinding name that looks private", host: "10.attacker.example:5001", want: false},
		{name: "rebinding name", host: "attacker.example", want: false},
		{name: "empty Host", host: "", want: false},
		{name: "/health is exempt", host: "attacker.example", path: "/health", want: true},
		{name: "/version is exempt", host: "attacker.example", path: "/version", want: true},
		{name: "only the exact paths are exempt", host: "attacker.example", path: "/health/x", want: false},
		// A configured list replaces the defaults, MLflow's matching.
		{name: "exact name", allowed: []string{"mlflow.example.com"}, host: "mlflow.example.com", want: true},
		{name: "exact name is port-exact", allowed: []string{"mlflow.example.com"}, host: "mlflow.example.com:5001", want: false},
		{name: "the list replaces the defaults", allowed: []string{"mlflow.example.com"}, host: "localhost:5001", want: false},
		{name: "any port", allowed: []string{"mlflow.example.com:*"}, host: "mlflow.example.com:5001", want: true},
		{name: "subdomain wildcard", allowed: []string{"*.example.com"}, host: "a.b.example.com", want: true},
		{name: "subdomain wildcard is not the apex", allowed: []string{"*.example.com"}, host: "example.com", want: false},
		{name: "subdomain wildcard without port", allowed: []string{"*.example.com"}, host: "a.example.com:5001", want: false},
		{name: "configured text pattern stays text (MLflow's semantics)", allowed: []string{"10.*"}, host: "10.attacker.example", want: true},
		{name: "escaped IPv6 pattern", allowed: []string{"[[]::1]:*"}, host: "[::1]:5001", want: true},
		{name: "entries are trimmed and case-folded", allowed: []string{" MLflow.Example.com "}, host: "mlflow.example.com", want: true},
		{name: "star allows everything", allowed: []string{"mlflow.example.com", "*"}, host: "anything.example:1", want: true},
		// With --trust-forwarded-headers, X-Forwarded-Host (its last value,
		// as the Origin rules read it) must be allowed too.
		{name: "forwarded host allowed", trustFwd: true, host: "10.0.0.7:5001", fwd: []string{"127.0.0.1:5001"}, want: true},
		{name: "forwarded host refused", trustFwd: true, host: "10.0.0.7:5001", fwd: []string{"attacker.example"}, want: false},
		{name: "forwarded host ignored when not trusted", host: "10.0.0.7:5001", fwd: []string{"attacker.example"}, want: true},
		{name: "forwarded host: the last value counts", trustFwd: true, allowed: []string{"10.0.0.7:5001", "mlflow.example.com"},
			host: "10.0.0.7:5001", fwd: []string{"attacker.example, mlflow.example.com"}, want: true},
		{name: "forwarded host: a forged first value", trustFwd: true, allowed: []string{"10.0.0.7:5001", "mlflow.example.com"},
			host: "10.0.0.7:5001", fwd: []string{"mlflow.example.com, attacker.example"}, want: false},
		{name: "forwarded host: the last of several lines", trustFwd: true, allowed: []string{"10.0.0.7:5001", "mlflow.example.com"},
			host: "10.0.0.7:5001", fwd: []string{"mlflow.example.com", "attacker.example"}, want: false},
		{name: "forwarded host: an empty last value falls back to Host", trustFwd: true, host: "10.0.0.7:5001",
			fwd: []string{"attacker.example, "}, want: true},
		{name: "forwarded host does not rescue a refused Host", trustFwd: true, host: "attacker.example", fwd: []string{"localhost"}, want: false},
		{name: "forwarded host under star", trustFwd: true, allowed: []string{"*"}, host: "a.example", fwd: []string{"b.example"}, want: true},
		{name: "forwarded host on /health", trustFwd: true, host: "10.0.0.7:5001", fwd: []string{"attacker.example"}, path: "/health", want: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, _ := newTestLogger()
			reached := false
			h := NewHostRule(HostConfig{AllowedHosts: tc.allowed, TrustForwardedHeaders: tc.trustFwd, Logger: log}).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
			path := tc.path
			if path == "" {
				path = "/api/2.0/mlflow/experiments/search"
			}
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Host = tc.host
			r.Header["X-Forwarded-Host"] = tc.fwd
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if reached != tc.want {
				t.Fatalf("Host %q (forwarded %q) on %s: reached %v, want %v", tc.host, tc.fwd, path, reached, tc.want)
			}
			if !tc.want {
				body, _ := io.ReadAll(rec.Body)
				if rec.Code != http.StatusForbidden || string(body) != invalidHostMsg ||
					!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
					t.Fatalf("refusal: %d %q %q; want MLflow's 403", rec.Code, rec.Header().Get("Content-Type"), body)
				}
			}
		})
	}
}

// Exact admits what the allow-list names rather than what a wildcard
// matches: only such hosts are trusted with a same-origin Origin.
func TestHostRuleExact(t *testing.T) {
	cases := []struct {
		allowed []string
		host    string
		want    bool
	}{
		{nil, "localhost:5001", true},
		{nil, "127.0.0.1:5001", true},
		{nil, "[::1]:5001", true},
		{nil, "192.168.1.10:5001", true},
		{nil, "10.attacker.example:5001", false},
		{nil, "", false},
		{[]string{"mlflow.example.com:5001"}, "MLflow.example.com:5001", true},
		{[]string{"mlflow.example.com:5001"}, "mlflow.example.com:5002", false},
		{[]string{"mlflow.example.com:*"}, "mlflow.example.com:5001", false},
		{[]string{"*.example.com"}, "rebind.example.com", false},
		{[]string{"*"}, "rebind.attacker.example:5001", false},
		{[]string{"*"}, "localhost:5001", false},
		{[]string{"*", "mlflow.example.com"}, "mlflow.example.com", true},
		{[]string{"mlflow.example.com"}, "localhost", false}, // the list replaces the defaults
	}
	for _, tc := range cases {
		if got := NewHostRule(HostConfig{AllowedHosts: tc.allowed}).Exact(tc.host); got != tc.want {
			t.Errorf("allowed %q: Exact(%q) = %v, want %v", tc.allowed, tc.host, got, tc.want)
		}
	}
}

func TestHostRuleLogsTheRefusal(t *testing.T) {
	log, buf := newTestLogger()
	h := NewHostRule(HostConfig{Logger: log}).Wrap(http.NotFoundHandler())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "attacker.example:5001"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !strings.Contains(buf.String(), "attacker.example:5001") {
		t.Fatalf("log %q does not name the refused Host", buf.String())
	}
}
