package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestForwardsRequestLineAndBodyExactly(t *testing.T) {
	cases := []struct {
		name, base, method, target, body, wantURI string
	}{
		{"plain", "", "GET", "/api/2.0/mlflow/runs/get?run_id=abc", "", "/api/2.0/mlflow/runs/get?run_id=abc"},
		{"encoded slash", "", "GET", "/get-artifact?path=a%2Fb", "", "/get-artifact?path=a%2Fb"},
		{"encoded slash in path", "", "GET", "/api/2.0/mlflow-artifacts/artifacts/1/a%2Fb/c", "", "/api/2.0/mlflow-artifacts/artifacts/1/a%2Fb/c"},
		{"double-encoded slash", "", "GET", "/x/a%252Fb", "", "/x/a%252Fb"},
		{"encoded space", "", "GET", "/static-files/a%20b.js", "", "/static-files/a%20b.js"},
		{"double slash", "", "GET", "//api//2.0/mlflow", "", "//api//2.0/mlflow"},
		{"needless escape kept", "", "GET", "/x/%41%42", "", "/x/%41%42"},
		{"char net/url would escape", "", "GET", "/x/a|b", "", "/x/a|b"},
		{"query with semicolon kept", "", "GET", "/x?a=1;b=2&c=%zz", "", "/x?a=1;b=2&c=%zz"},
		{"empty query kept", "", "GET", "/x?", "", "/x?"},
		{"post body", "", "POST", "/api/2.0/mlflow/runs/create", `{"experiment_id":"1"}`, "/api/2.0/mlflow/runs/create"},
		{"put", "", "PUT", "/x", "data", "/x"},
		{"patch", "", "PATCH", "/api/3.0/mlflow/traces/tr-1/tags", `{"k":"v"}`, "/api/3.0/mlflow/traces/tr-1/tags"},
		{"delete", "", "DELETE", "/api/2.0/mlflow/experiments/delete", `{"experiment_id":"1"}`, "/api/2.0/mlflow/experiments/delete"},
		{"options", "", "OPTIONS", "/api/2.0/mlflow/runs/get", "", "/api/2.0/mlflow/runs/get"},
		{"custom method", "", "PROPFIND", "/x", "", "/x"},
		{"base path", "/base", "GET", "/api/2.0/x?q=1", "", "/base/api/2.0/x?q=1"},
		{"base path with slash", "/base/", "GET", "/a%2Fb", "", "/base/a%2Fb"},
		{"base path odd char", "/base", "GET", "/a|b", "", "/base/a|b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			up := startUpstream(t, rec)
			_, front := startProxy(t, Config{URL: up.URL + c.base})
			res, body := rawRequest(t, front, c.method, c.target, http.Header{}, c.body)
			if res.StatusCode != 200 || string(body) != `{"ok":true}` {
				t.Fatalf("response %d %q", res.StatusCode, body)
			}
			got := rec.last(t)
			if got.Method != c.method || got.RequestURI != c.wantURI || string(got.Body) != c.body {
				t.Fatalf("upstream saw %s %q body %q; want %s %q body %q",
					got.Method, got.RequestURI, got.Body, c.method, c.wantURI, c.body)
			}
		})
	}
}

func TestHeaderRules(t *testing.T) {
	rec := &recorder{}
	up := startUpstream(t, rec)
	_, front := startProxy(t, Config{URL: up.URL})
	hdr := http.Header{
		"Connection":          {"X-Hop, keep-alive"},
		"X-Hop":               {"listed in Connection"},
		"Keep-Alive":          {"timeout=5"},
		"Te":                  {"trailers, deflate"},
		"Proxy-Authorization": {"Basic Zm9vOmJhcg=="},
		"Proxy-Custom":        {"x"},
		"Proxy":               {"http://evil:8080"},
		"Authorization":       {"Bearer kept"},
		"Cookie":              {"session=kept"},
		"X-Forwarded-For":     {"10.0.0.1"},
		"X-Forwarded-Host":    {"claimed.example"},
		"X-Forwarded-Proto":   {"https"},
		"Forwarded":           {"for=10.0.0.9"},
		"X-Mlflow-Workspace":  {"team-a"},
		"Accept-Encoding":     {"gzip"},
	}
	res, _ := rawRequest(t, front, "GET", "/x", hdr, "")
	got := rec.last(t)
	for _, h := range []string{"X-Hop", "Keep-Alive", "Proxy-Authorization", "Proxy-Custom", "Proxy", "Forwarded"} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("hop-by-hop %s reached upstream: %q", h, v)
		}
	}
	want := map[string]string{
		"Te":                 "trailers",
		"Authorization":      "Bearer kept",
		"Cookie":             "session=kept",
		"X-Forwarded-For":    "10.0.0.1, 127.0.0.1",
		"X-Forwarded-Host":   hostOf(t, front.URL),
		"X-Forwarded-Proto":  "http",
		"X-Mlflow-Workspace": "team-a",
		"Accept-Encoding":    "gzip",
	}
	for h, v := range want {
		if g := got.Header.Get(h); g != v {
			t.Errorf("%s = %q, want %q", h, g, v)
		}
	}
	if got.Host != hostOf(t, up.URL) {
		t.Errorf("upstream Host %q, want the upstream's %q", got.Host, hostOf(t, up.URL))
	}
	for _, h := range []string{"X-Upstream-Hop", "Keep-Alive"} {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("response hop-by-hop %s reached client: %q", h, v)
		}
	}
	if res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("end-to-end response header lost: %v", res.Header)
	}
}

func TestTrustForwardedHeaders(t *testing.T) {
	rec := &recorder{}
	up := startUpstream(t, rec)
	_, front := startProxy(t, Config{URL: up.URL, TrustForwardedHeaders: true})
	upstreamOrigin := "http://" + hostOf(t, up.URL)
	cases := []struct {
		name        string
		fwdHost     []string
		fwdProto    []string
		origin      string
		wantHost    string // X-Forwarded-Host MLflow sees
		wantProto   string
		wantRewrite bool
	}{
		{"one proxy", []string{"mlflow.example.com"}, []string{"https"}, "https://mlflow.example.com",
			"mlflow.example.com", "https", true},
		// The nearest (trusted) proxy appends; what came before is the client's.
		{"last value counts", []string{"evil.example, mlflow.example.com"}, []string{"http, https"}, "https://mlflow.example.com",
			"mlflow.example.com", "https", true},
		{"forged first host", []string{"mlflow.example.com, evil.example"}, []string{"https"}, "https://mlflow.example.com",
			"evil.example", "https", false},
		{"forged first scheme", []string{"mlflow.example.com"}, []string{"https, http"}, "https://mlflow.example.com",
			"mlflow.example.com", "http", false},
		{"last of several lines", []string{"mlflow.example.com", "evil.example"}, []string{"https"}, "https://evil.example",
			"evil.example", "https", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rawRequest(t, front, "POST", "/api/2.0/x", http.Header{
				"X-Forwarded-Host": c.fwdHost, "X-Forwarded-Proto": c.fwdProto, "Origin": {c.origin},
			}, "{}")
			got := rec.last(t)
			if h, p := got.Header.Values("X-Forwarded-Host"), got.Header.Values("X-Forwarded-Proto"); len(h) != 1 || h[0] != c.wantHost || len(p) != 1 || p[0] != c.wantProto {
				t.Errorf("MLflow got X-Forwarded-Host %q, -Proto %q; want %q, %q", h, p, c.wantHost, c.wantProto)
			}
			want := c.origin
			if c.wantRewrite {
				want = upstreamOrigin
			}
			if o := got.Header.Get("Origin"); o != want {
				t.Errorf("Origin %q, want %q", o, want)
			}
		})
	}
}

// With TrustSameOrigin (guard.HostRule.Exact in the sidecar), a same-origin
// Origin is rewritten only on hosts it vouches for. On others, such as a
// name a wildcard admitted that an attacker rebound to the sidecar's
// address, it reaches MLflow unchanged and MLflow's CORS policy refuses it.
func TestTrustSameOrigin(t *testing.T) {
	rec := &recorder{}
	up := startUpstream(t, rec)
	var mu sync.Mutex // the proxy's handler goroutine asks, the test reads
	var asked []string
	exact := func(host string) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, host)
		return host == "mlflow.example.com:5001"
	}
	_, front := startProxy(t, Config{URL: up.URL, TrustSameOrigin: exact})
	_, fwdFront := startProxy(t, Config{URL: up.URL, TrustSameOrigin: exact, TrustForwardedHeaders: true})
	upstreamOrigin := "http://" + hostOf(t, up.URL)
	cases := []struct {
		name      string
		forwarded bool
		host      string
		fwdHost   string
		origin    string
		want      string
		wantAsked string // the host TrustSameOrigin was asked about; "" for none
	}{
		{"vouched host", false, "mlflow.example.com:5001", "", "http://mlflow.example.com:5001", upstreamOrigin, "mlflow.example.com:5001"},
		{"rebound name", false, "rebind.attacker.example:5001", "", "http://rebind.attacker.example:5001",
			"http://rebind.attacker.example:5001", "rebind.attacker.example:5001"},
		{"foreign origin is not asked about", false, "mlflow.example.com:5001", "", "http://evil.example", "http://evil.example", ""},
		{"forwarded host vouched", true, "10.0.0.7:5001", "mlflow.example.com:5001", "http://mlflow.example.com:5001",
			upstreamOrigin, "mlflow.example.com:5001"},
		{"forwarded host rebound", true, "mlflow.example.com:5001", "rebind.attacker.example:5001", "http://rebind.attacker.example:5001",
			"http://rebind.attacker.example:5001", "rebind.attacker.example:5001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			f := front
			hdr := http.Header{"Host": {c.host}, "Origin": {c.origin}}
			if c.forwarded {
				f = fwdFront
				hdr.Set("X-Forwarded-Host", c.fwdHost)
			}
			rawRequest(t, f, "POST", "/api/2.0/mlflow/runs/create", hdr, "{}")
			if o := rec.last(t).Header.Get("Origin"); o != c.want {
				t.Errorf("MLflow got Origin %q, want %q", o, c.want)
			}
			mu.Lock()
			got := strings.Join(asked, ",")
			mu.Unlock()
			if got != c.wantAsked {
				t.Errorf("TrustSameOrigin asked about %q, want %q", got, c.wantAsked)
			}
		})
	}
}

func TestOriginRules(t *testing.T) {
	rec := &recorder{}
	up := startUpstream(t, rec)
	_, front := startProxy(t, Config{URL: up.URL})
	self := hostOf(t, front.URL)
	upstreamOrigin := "http://" + hostOf(t, up.URL)
	cases := []struct {
		name, host, origin, referer, want string
	}{
		{"same origin rewritten", self, "http://" + self, "", upstreamOrigin},
		{"same origin any case", strings.ToUpper(self), "HTTP://" + self, "", upstreamOrigin},
		{"public name same origin", "mlflow.example.com", "http://mlflow.example.com", "", upstreamOrigin},
		{"default port in Host", "mlflow.example.com:80", "http://mlflow.example.com", "", upstreamOrigin},
		{"foreign origin kept", self, "http://evil.example", "", "http://evil.example"},
		{"other port is foreign", "mlflow.example.com", "http://mlflow.example.com:8080", "", "http://mlflow.example.com:8080"},
		{"other scheme is foreign", "mlflow.example.com", "https://mlflow.example.com", "", "https://mlflow.example.com"},
		{"subdomain is foreign", "example.com", "http://a.example.com", "", "http://a.example.com"},
		{"null origin kept", self, "null", "", "null"},
		{"no origin stays absent", self, "", "http://" + self + "/#/experiments", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := http.Header{"Host": {c.host}}
			if c.origin != "" {
				hdr.Set("Origin", c.origin)
			}
			if c.referer != "" {
				hdr.Set("Referer", c.referer)
			}
			rawRequest(t, front, "POST", "/api/2.0/mlflow/runs/create", hdr, "{}")
			got := rec.last(t)
			if o, present := got.Header["Origin"]; c.want == "" && present || c.want != "" && (len(o) != 1 || o[0] != c.want) {
				t.Fatalf("upstream Origin %q, want %q", o, c.want)
			}
			if got.Header.Get("Referer") != c.referer {
				t.Fatalf("Referer changed to %q", got.Header.Get("Referer"))
			}
			if got.Host != hostOf(t, up.URL) {
				t.Fatalf("upstream Host %q", got.Host)
			}
		})
	}
}

// Protocol upgrades (WebSocket and the like) pass through as a raw byte
// stream both ways, client span and all.
func TestUpgradePassesThrough(t *testing.T) {
	upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "no upgrade", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo " + line)
		brw.Flush()
	}))
	_, front := startProxy(t, Config{URL: upstream.URL})
	conn, err := net.Dial("tcp", hostOf(t, front.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", hostOf(t, front.URL))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade response %v, %v", res, err)
	}
	fmt.Fprint(conn, "ping\n")
	var line string
	within(t, "echo through the upgraded connection", func() { line, _ = br.ReadString('\n') })
	if line != "echo ping\n" {
		t.Fatalf("got %q", line)
	}
}
