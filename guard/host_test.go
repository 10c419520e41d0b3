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
		name    string
		allowed []string // nil: the defaults
		host    string
		path    string
		want    bool
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, _ := newTestLogger()
			reached := false
			h := NewHostRule(tc.allowed, log).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
			path := tc.path
			if path == "" {
				path = "/api/2.0/mlflow/experiments/search"
			}
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Host = tc.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if reached != tc.want {
				t.Fatalf("Host %q on %s: reached %v, want %v", tc.host, path, reached, tc.want)
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

func TestHostRuleLogsTheRefusal(t *testing.T) {
	log, buf := newTestLogger()
	h := NewHostRule(nil, log).Wrap(http.NotFoundHandler())
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = "attacker.example:5001"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !strings.Contains(buf.String(), "attacker.example:5001") {
		t.Fatalf("log %q does not name the refused Host", buf.String())
	}
}
