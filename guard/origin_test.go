package guard

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOriginRule(t *testing.T) {
	listed := []string{"https://app.example.com", "https://*.trusted.example"}
	type want struct {
		status  int
		body    string // checked when set
		reached bool
		acao    string // Access-Control-Allow-Origin
	}
	cases := []struct {
		name     string
		allowed  []string
		trustFwd bool
		exact    func(host string) bool // OriginConfig.TrustSameOrigin
		method   string
		host     string // default sidecar.example:5001
		tls      bool
		header   http.Header
		want     want
	}{
		{name: "write without Origin", method: "POST",
			want: want{status: 200, reached: true}},
		{name: "same origin", method: "POST", header: h("Origin", "http://sidecar.example:5001"),
			want: want{status: 200, reached: true, acao: "http://sidecar.example:5001"}},
		{name: "same host, other scheme", method: "POST", header: h("Origin", "https://sidecar.example:5001"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "same host, other port", method: "POST", header: h("Origin", "http://sidecar.example:5002"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "same origin over TLS, default port", method: "DELETE", host: "sidecar.example", tls: true,
			header: h("Origin", "https://sidecar.example:443"), want: want{status: 200, reached: true, acao: "https://sidecar.example:443"}},
		{name: "localhost origin (MLflow allows)", method: "POST", header: h("Origin", "http://localhost:3000"),
			want: want{status: 200, reached: true, acao: "http://localhost:3000"}},
		{name: "IPv6 loopback origin", method: "PATCH", header: h("Origin", "http://[::1]:8080"),
			want: want{status: 200, reached: true, acao: "http://[::1]:8080"}},
		{name: "listed origin", allowed: listed, method: "PUT", header: h("Origin", "https://app.example.com"),
			want: want{status: 200, reached: true, acao: "https://app.example.com"}},
		{name: "listed pattern", allowed: listed, method: "POST", header: h("Origin", "https://ui.trusted.example"),
			want: want{status: 200, reached: true, acao: "https://ui.trusted.example"}},
		{name: "foreign write", allowed: listed, method: "POST", header: h("Origin", "https://evil.example"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "foreign delete", method: "DELETE", header: h("Origin", "https://evil.example"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "opaque origin", method: "POST", header: h("Origin", "null"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "two Origin headers", method: "POST", header: http.Header{"Origin": {"http://localhost:3000", "https://evil.example"}},
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "foreign read passes without CORS headers", method: "GET", header: h("Origin", "https://evil.example"),
			want: want{status: 200, reached: true}},
		{name: "star allows every origin", allowed: []string{"*"}, method: "POST", header: h("Origin", "https://evil.example"),
			want: want{status: 200, reached: true, acao: "https://evil.example"}},
		{name: "forwarded origin, trusted", trustFwd: true, method: "POST", host: "10.0.0.7:5001",
			header: h("Origin", "https://mlflow.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "mlflow.example.com"),
			want:   want{status: 200, reached: true, acao: "https://mlflow.example.com"}},
		{name: "forwarded origin, not trusted", method: "POST", host: "10.0.0.7:5001",
			header: h("Origin", "https://mlflow.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "mlflow.example.com"),
			want:   want{status: 403, body: corsBlockedMsg}},
		{name: "forwarded origin: the last value counts", trustFwd: true, method: "POST", host: "10.0.0.7:5001",
			header: h("Origin", "https://mlflow.example.com", "X-Forwarded-Proto", "http, https", "X-Forwarded-Host", "evil.example, mlflow.example.com"),
			want:   want{status: 200, reached: true, acao: "https://mlflow.example.com"}},
		{name: "forwarded origin: a forged first host", trustFwd: true, method: "POST", host: "10.0.0.7:5001",
			header: h("Origin", "https://mlflow.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "mlflow.example.com, evil.example"),
			want:   want{status: 403, body: corsBlockedMsg}},
		{name: "forwarded origin: a forged first scheme", trustFwd: true, method: "POST", host: "10.0.0.7:5001",
			header: h("Origin", "https://mlflow.example.com", "X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "mlflow.example.com"),
			want:   want{status: 403, body: corsBlockedMsg}},
		// DNS rebinding: with a wildcard Host rule, the attacker's name
		// reaches the sidecar, and its page is "same origin" with itself.
		{name: "same origin on a host a wildcard admitted", exact: hostExact("*"), method: "POST", host: "rebind.attacker.example:5001",
			header: h("Origin", "http://rebind.attacker.example:5001"), want: want{status: 403, body: corsBlockedMsg}},
		{name: "same origin on a host a pattern admitted", exact: hostExact("*.example:*"), method: "POST", host: "rebind.attacker.example:5001",
			header: h("Origin", "http://rebind.attacker.example:5001"), want: want{status: 403, body: corsBlockedMsg}},
		{name: "same origin on an exactly listed host", exact: hostExact("*", "mlflow.example.com:5001"), method: "POST",
			host: "mlflow.example.com:5001", header: h("Origin", "http://mlflow.example.com:5001"),
			want: want{status: 200, reached: true, acao: "http://mlflow.example.com:5001"}},
		{name: "same origin on a default host", exact: hostExact(), method: "POST", host: "192.168.1.5:5001",
			header: h("Origin", "http://192.168.1.5:5001"), want: want{status: 200, reached: true, acao: "http://192.168.1.5:5001"}},
		{name: "wildcard host, origin listed", exact: hostExact("*"), allowed: []string{"http://mlflow.example.com:5001"}, method: "POST",
			host: "mlflow.example.com:5001", header: h("Origin", "http://mlflow.example.com:5001"),
			want: want{status: 200, reached: true, acao: "http://mlflow.example.com:5001"}},
		{name: "forwarded host a wildcard admitted", exact: hostExact("10.0.0.7:5001", "*.example.com"), trustFwd: true, method: "POST",
			host: "10.0.0.7:5001", header: h("Origin", "https://rebind.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "rebind.example.com"),
			want: want{status: 403, body: corsBlockedMsg}},
		{name: "preflight, allowed", allowed: listed, method: "OPTIONS",
			header: h("Origin", "https://app.example.com", "Access-Control-Request-Method", "DELETE",
				"Access-Control-Request-Headers", "content-type,x-mlflow-workspace"),
			want: want{status: 200, body: "OK", acao: "https://app.example.com"}},
		{name: "preflight, foreign", allowed: listed, method: "OPTIONS",
			header: h("Origin", "https://evil.example", "Access-Control-Request-Method", "POST"),
			want:   want{status: 400, body: "Disallowed CORS origin"}},
		{name: "preflight, method not allowed", method: "OPTIONS",
			header: h("Origin", "http://localhost:3000", "Access-Control-Request-Method", "TRACE"),
			want:   want{status: 400, body: "Disallowed CORS method", acao: "http://localhost:3000"}},
		{name: "preflight, both wrong", method: "OPTIONS",
			header: h("Origin", "https://evil.example", "Access-Control-Request-Method", "TRACE"),
			want:   want{status: 400, body: "Disallowed CORS origin, method"}},
		{name: "OPTIONS that is not a preflight", method: "OPTIONS", header: h("Origin", "https://evil.example"),
			want: want{status: 200, reached: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, _ := newTestLogger()
			reached := false
			rule := NewOriginRule(OriginConfig{AllowedOrigins: tc.allowed, TrustForwardedHeaders: tc.trustFwd,
				TrustSameOrigin: tc.exact, Logger: log})
			hnd := rule.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				reached = true
				w.WriteHeader(http.StatusOK)
			}))
			r := httptest.NewRequest(tc.method, "/api/3.0/mlflow/mcp-servers", nil)
			r.Host = "sidecar.example:5001"
			if tc.host != "" {
				r.Host = tc.host
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, vs := range tc.header {
				r.Header[k] = vs
			}
			rec := httptest.NewRecorder()
			hnd.ServeHTTP(rec, r)
			got := rec.Result().Header
			if rec.Code != tc.want.status || reached != tc.want.reached {
				t.Fatalf("status %d reached %v, want %d %v (body %q)", rec.Code, reached, tc.want.status, tc.want.reached, rec.Body)
			}
			if tc.want.body != "" && rec.Body.String() != tc.want.body {
				t.Fatalf("body %q, want %q", rec.Body, tc.want.body)
			}
			if a := got.Get("Access-Control-Allow-Origin"); a != tc.want.acao {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", a, tc.want.acao)
			}
			if tc.want.acao != "" && got.Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatal("credentials not allowed for an allowed origin")
			}
			if got.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("no X-Content-Type-Options: nosniff")
			}
		})
	}
}

func TestOriginPreflightHeaders(t *testing.T) {
	rule := NewOriginRule(OriginConfig{})
	r := httptest.NewRequest(http.MethodOptions, "/api/3.0/mlflow/mcp-servers", nil)
	r.Header.Set("Origin", "http://localhost:3000")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "content-type,x-mlflow-workspace")
	rec := httptest.NewRecorder()
	rule.Wrap(http.NotFoundHandler()).ServeHTTP(rec, r)
	want := map[string]string{
		"Access-Control-Allow-Origin":      "http://localhost:3000",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, POST, PUT, DELETE, OPTIONS, PATCH",
		"Access-Control-Allow-Headers":     "content-type,x-mlflow-workspace",
		"Access-Control-Max-Age":           "600",
		"Vary":                             "Origin",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// hostExact is the Exact of the Host rule for --allowed-hosts entries.
func hostExact(allowed ...string) func(string) bool {
	return NewHostRule(HostConfig{AllowedHosts: allowed}).Exact
}

// h builds a header from name, value pairs.
func h(kv ...string) http.Header {
	out := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}
