package guard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestMLflow(t *testing.T, f *fakeMLflow, cfg UpstreamConfig) *MLflow {
	t.Helper()
	cfg.URL = f.srv.URL
	if cfg.Logger == nil {
		cfg.Logger, _ = newTestLogger()
	}
	m, err := NewMLflow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ownRequest(method string, creds func(r *http.Request)) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:5001/api/3.0/mlflow/mcp-servers/search", nil)
	if creds != nil {
		creds(r)
	}
	return r
}

func basic(user, password string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, password) }
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func session(value string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "mlflow_session", Value: value}) }
}

func TestMLflowAuthenticate(t *testing.T) {
	cases := []struct {
		name       string
		noCurrent  bool           // MLflow without users/current (older basic-auth app)
		status     map[string]int // MLflow's answer instead of the real one
		creds      func(*http.Request)
		wantStatus int
		wantUser   string // "<nil>": reached without a user; "": not reached
		wantCode   string // MLflow error_code in a JSON body
		wantCalls  map[string]int
	}{
		{name: "good basic", creds: basic("alice", alicePassword), wantStatus: 200, wantUser: "alice",
			wantCalls: map[string]int{currentUserPath: 1}},
		{name: "good basic, admin", creds: basic("admin", adminPassword), wantStatus: 200, wantUser: "admin"},
		{name: "bad password", creds: basic("alice", "wrong"), wantStatus: 401},
		{name: "unknown user", creds: basic("mallory", "x"), wantStatus: 401},
		{name: "no credentials", wantStatus: 401, wantCalls: map[string]int{}},
		{name: "bearer token names its user", creds: bearer(bobToken), wantStatus: 200, wantUser: "bob"},
		{name: "bad bearer token", creds: bearer("forged"), wantStatus: 401},
		{name: "session cookie names its user", creds: session(carolSession), wantStatus: 200, wantUser: "carol"},
		{name: "older MLflow: basic checked with users/get", noCurrent: true, creds: basic("alice", alicePassword),
			wantStatus: 200, wantUser: "alice", wantCalls: map[string]int{currentUserPath: 1, getUserPath: 1}},
		{name: "older MLflow: bad basic", noCurrent: true, creds: basic("alice", "wrong"), wantStatus: 401,
			wantCalls: map[string]int{currentUserPath: 1}},
		{name: "older MLflow: bearer accepted without a user name", noCurrent: true, creds: bearer(bobToken),
			wantStatus: 200, wantUser: "<nil>", wantCalls: map[string]int{currentUserPath: 1, searchPath: 1}},
		{name: "MLflow refuses the caller", status: map[string]int{currentUserPath: 403}, creds: basic("alice", alicePassword),
			wantStatus: 403, wantCode: "PERMISSION_DENIED"},
		{name: "MLflow redirects to a login page", status: map[string]int{currentUserPath: 302}, creds: session(carolSession),
			wantStatus: 401},
		{name: "MLflow fails", status: map[string]int{currentUserPath: 500}, creds: basic("alice", alicePassword),
			wantStatus: 503, wantCode: "TEMPORARILY_UNAVAILABLE"},
		{name: "older MLflow without the basic-auth app", noCurrent: true, status: map[string]int{getUserPath: 404},
			creds: basic("alice", alicePassword), wantStatus: 503, wantCode: "TEMPORARILY_UNAVAILABLE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMLflow(t)
			f.set(func(f *fakeMLflow) {
				f.hasCurrent = !tc.noCurrent
				for p, s := range tc.status {
					f.status[p] = s
				}
			})
			m := newTestMLflow(t, f, UpstreamConfig{})
			res := serveOwn(m, ownRequest(http.MethodGet, tc.creds))
			if res.status != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", res.status, tc.wantStatus, res.body)
			}
			switch {
			case tc.wantUser == "" && res.reached:
				t.Fatalf("the handler ran (user %s); it must not", userString(res.user))
			case tc.wantUser != "" && !res.reached:
				t.Fatal("the handler did not run")
			case tc.wantUser != "" && userString(res.user) != tc.wantUser:
				t.Fatalf("handler saw user %s, want %s", userString(res.user), tc.wantUser)
			}
			if tc.wantStatus == 401 {
				if got := res.header.Get("WWW-Authenticate"); got != `Basic realm="mlflow"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
				if res.body != notAuthenticatedMsg || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
					t.Errorf("401 body %q, content type %q: want MLflow's plain text", res.body, res.header.Get("Content-Type"))
				}
			}
			if tc.wantCode != "" && !strings.Contains(res.body, `"error_code":"`+tc.wantCode+`"`) {
				t.Errorf("body %q lacks error_code %s", res.body, tc.wantCode)
			}
			for p, n := range tc.wantCalls {
				if got := f.count(p); got != n {
					t.Errorf("MLflow saw %d calls to %s, want %d", got, p, n)
				}
			}
			if tc.wantCalls != nil && len(tc.wantCalls) == 0 && f.total() != 0 {
				t.Errorf("MLflow was asked %d times; want none", f.total())
			}
		})
	}
}

func TestMLflowForwardsOnlyTheCallersCredentials(t *testing.T) {
	f := newFakeMLflow(t)
	m := newTestMLflow(t, f, UpstreamConfig{})
	r := ownRequest(http.MethodGet, basic("alice", alicePassword))
	r.AddCookie(&http.Cookie{Name: "mlflow_session", Value: carolSession})
	r.Header.Set("X-Api-Key", "not-a-credential-mlflow-reads")
	if res := serveOwn(m, r); res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := []string{r.Header.Get("Authorization"), "mlflow_session=" + carolSession}
	if strings.Join(f.creds, "|") != strings.Join(want, "|") {
		t.Fatalf("MLflow saw credentials %q, want %q", f.creds, want)
	}
}

func TestMLflowCache(t *testing.T) {
	f := newFakeMLflow(t)
	clock := newFakeClock()
	m := newTestMLflow(t, f, UpstreamConfig{Now: clock.Now, CacheTTL: 30 * time.Second, CacheSize: 2})
	steps := []struct {
		name      string
		advance   time.Duration
		creds     func(*http.Request)
		down      bool // MLflow stops answering before this step
		wantUser  string
		wantCalls int // MLflow calls so far
	}{
		{name: "first use asks MLflow", creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 1},
		{name: "second use is a cache hit", creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 1},
		{name: "still fresh just before the TTL", advance: 29 * time.Second, creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 1},
		{name: "other credentials are not a hit", creds: basic("alice", "wrong"), wantCalls: 2},
		{name: "a refusal is not cached", creds: basic("alice", "wrong"), wantCalls: 3},
		{name: "expired after the TTL", advance: 2 * time.Second, creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 4},
		{name: "second user", creds: bearer(bobToken), wantUser: "bob", wantCalls: 5},
		{name: "third user evicts the least recently used", creds: session(carolSession), wantUser: "carol", wantCalls: 6},
		{name: "alice was evicted", creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 7},
		{name: "cached answers survive an MLflow outage", down: true, creds: basic("alice", alicePassword), wantUser: "alice", wantCalls: 7},
		{name: "uncached ones fail closed", creds: bearer(bobToken), wantCalls: 7},
	}
	for _, s := range steps {
		if s.down {
			f.srv.Close()
		}
		clock.advance(s.advance)
		res := serveOwn(m, ownRequest(http.MethodGet, s.creds))
		if s.wantUser == "" && res.reached || s.wantUser != "" && userString(res.user) != s.wantUser {
			t.Fatalf("%s: reached %v as %s (status %d), want user %q", s.name, res.reached, userString(res.user), res.status, s.wantUser)
		}
		if !s.down && f.total() != s.wantCalls {
			t.Fatalf("%s: MLflow saw %d calls, want %d", s.name, f.total(), s.wantCalls)
		}
	}
	if n := m.cache.len(); n > 2 {
		t.Fatalf("cache holds %d entries, bound is 2", n)
	}
}

func TestMLflowDownFailsClosed(t *testing.T) {
	f := newFakeMLflow(t)
	m := newTestMLflow(t, f, UpstreamConfig{})
	f.srv.Close()
	for _, creds := range []func(*http.Request){basic("alice", alicePassword), bearer(bobToken), session(carolSession)} {
		res := serveOwn(m, ownRequest(http.MethodPost, creds))
		if res.status != http.StatusServiceUnavailable || res.reached {
			t.Fatalf("status %d, reached %v: want 503 and the handler untouched", res.status, res.reached)
		}
		if !strings.Contains(res.body, `"error_code":"TEMPORARILY_UNAVAILABLE"`) {
			t.Fatalf("body %q", res.body)
		}
	}
}

// Concurrent requests with the same credentials share one MLflow call, and
// one waiter giving up does not fail the others.
func TestMLflowSingleflight(t *testing.T) {
	f := newFakeMLflow(t)
	gate := make(chan struct{})
	arrived := make(chan string, 16)
	f.set(func(f *fakeMLflow) { f.gate, f.arrived = gate, arrived })
	m := newTestMLflow(t, f, UpstreamConfig{})
	const n = 8
	joined := make(chan struct{}, n)
	m.joined = func() { joined <- struct{}{} }

	quitter, quit := context.WithCancel(context.Background())
	results := make(chan ownResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ownRequest(http.MethodGet, basic("alice", alicePassword))
			if i == 0 {
				r = r.WithContext(quitter)
			}
			results <- serveOwn(m, r)
		}()
	}
	for range n {
		<-joined
	}
	<-arrived // the one call is at MLflow, held at the gate
	quit()
	close(gate)
	wg.Wait()
	close(results)
	served := 0
	for res := range results {
		if res.reached {
			served++
			if userString(res.user) != "alice" {
				t.Errorf("user %s", userString(res.user))
			}
		}
	}
	if got := f.count(currentUserPath); got != 1 {
		t.Fatalf("MLflow saw %d verifications, want 1", got)
	}
	if served < n-1 {
		t.Fatalf("%d of %d requests served; only the one that gave up may fail", served, n)
	}
}

func TestMLflowConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  UpstreamConfig
		ok   bool
	}{
		{"defaults", UpstreamConfig{URL: "http://127.0.0.1:5000"}, true},
		{"path prefix", UpstreamConfig{URL: "https://mlflow.internal/base/"}, true},
		{"TTL at the bound", UpstreamConfig{URL: "http://x", CacheTTL: MaxCacheTTL}, true},
		{"cache off", UpstreamConfig{URL: "http://x", CacheTTL: -1}, true},
		{"TTL over the bound", UpstreamConfig{URL: "http://x", CacheTTL: MaxCacheTTL + time.Second}, false},
		{"no scheme", UpstreamConfig{URL: "127.0.0.1:5000"}, false},
		{"other scheme", UpstreamConfig{URL: "ftp://x"}, false},
	}
	for _, tc := range cases {
		_, err := NewMLflow(tc.cfg)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

func TestMLflowUpstreamPathPrefix(t *testing.T) {
	f := newFakeMLflow(t)
	seen := make(chan string, 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.Path
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/base")
		f.ServeHTTP(w, r)
	}))
	defer front.Close()
	m, err := NewMLflow(UpstreamConfig{URL: front.URL + "/base/"})
	if err != nil {
		t.Fatal(err)
	}
	if res := serveOwn(m, ownRequest(http.MethodGet, basic("alice", alicePassword))); res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	if p := <-seen; p != "/base"+currentUserPath {
		t.Fatalf("MLflow asked at %s", p)
	}
}
