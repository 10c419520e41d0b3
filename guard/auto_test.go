package guard

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestAuto(t *testing.T, url string) (*Auto, *logBuffer) {
	t.Helper()
	log, buf := newTestLogger()
	a, err := NewAuto(UpstreamConfig{URL: url, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return a, buf
}

func TestAutoProbeAnswers(t *testing.T) {
	const (
		js       = "application/json"
		oneExp   = `{"experiments":[{"experiment_id":"0","name":"Default"}],"next_page_token":"x"}`
		ssoPage  = `<html><body>Sign in with SSO</body></html>`
		tooLarge = "big"
	)
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        Mode
	}{
		{"auth on", 401, "text/html", "", ModeMLflow},
		{"login redirect", 302, "", "", ModeMLflow}, // an auth plugin sending browsers to its login page
		{"open, one experiment", 200, js, oneExp, ModeNone},
		{"open, no experiments", 200, js, `{}`, ModeNone}, // MLflow leaves an empty list out
		{"open, empty list", 200, js, `{"experiments":[]}`, ModeNone},
		{"JSON with a charset", 200, "application/json; charset=utf-8", oneExp, ModeNone},
		// A 2xx that is not MLflow's answer says nothing about MLflow.
		{"SSO page answering 200", 200, "text/html; charset=utf-8", ssoPage, ""},
		{"MLflow's JSON sent as HTML", 200, "text/html", oneExp, ""},
		{"no Content-Type", 200, "", oneExp, ""},
		{"JSON that is not an object", 200, js, `[]`, ""},
		{"JSON null", 200, js, `null`, ""},
		{"broken JSON", 200, js, `{"experiments":`, ""},
		{"experiments not a list", 200, js, `{"experiments":"all"}`, ""},
		{"answer over the read limit", 200, js, tooLarge, ""},
		{"204 without a body", 204, "", "", ""},
		{"403 (e.g. MLflow's own Host check)", 403, "text/plain", "Invalid Host header", ""},
		{"404", 404, js, `{}`, ""},
		{"500", 500, js, `{}`, ""},
		{"503", 503, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sawCredentials bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sawCredentials = r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != ""
				if r.URL.Path != searchPath || r.URL.RawQuery != searchQuery {
					t.Errorf("probe asked %s?%s", r.URL.Path, r.URL.RawQuery)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "/login")
				}
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				if tc.body == tooLarge {
					io.WriteString(w, `{"experiments":[],"pad":"`+strings.Repeat("x", maxAnswerBytes)+`"}`)
					return
				}
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			a, _ := newTestAuto(t, srv.URL)
			if got := a.Probe(context.Background()); got != tc.want {
				t.Errorf("MLflow answering %d %q %.40q: mode %q, want %q", tc.status, tc.contentType, tc.body, got, tc.want)
			}
			if sawCredentials {
				t.Errorf("the probe sent credentials")
			}
		})
	}
}

// Auto follows MLflow as it is restarted with and without authentication,
// and refuses everything while it cannot tell.
func TestAutoSwitchesWithMLflow(t *testing.T) {
	f := newFakeMLflow(t)
	a, logs := newTestAuto(t, f.srv.URL)
	steps := []struct {
		name     string
		change   func()
		wantMode Mode
		creds    func(*http.Request)
		status   int
		user     string // "" = not reached
	}{
		{name: "unknown before the first probe", wantMode: "", status: 503},
		{name: "auth on: no credentials", change: func() {}, wantMode: ModeMLflow, status: 401},
		{name: "auth on: good credentials", wantMode: ModeMLflow, creds: basic("alice", alicePassword), status: 200, user: "alice"},
		{name: "auth off: open, no user", change: func() { f.set(func(f *fakeMLflow) { f.authOn = false }) },
			wantMode: ModeNone, status: 200, user: "<nil>"},
		{name: "auth off: credentials are not needed nor used", wantMode: ModeNone, creds: basic("alice", "wrong"), status: 200, user: "<nil>"},
		{name: "auth on again", change: func() { f.set(func(f *fakeMLflow) { f.authOn = true }) },
			wantMode: ModeMLflow, creds: basic("alice", "wrong"), status: 401},
		{name: "MLflow down: fail closed", change: f.srv.Close, wantMode: "", creds: basic("alice", alicePassword), status: 503},
	}
	for _, s := range steps {
		if s.change != nil {
			s.change()
			a.Probe(context.Background())
		}
		if a.Mode() != s.wantMode {
			t.Fatalf("%s: mode %q, want %q", s.name, a.Mode(), s.wantMode)
		}
		if err := a.Check(context.Background()); (err == nil) != (s.wantMode != "") {
			t.Fatalf("%s: readiness %v", s.name, err)
		}
		res := serveOwn(a, ownRequest(http.MethodPost, s.creds))
		if res.status != s.status {
			t.Fatalf("%s: status %d, want %d (%s)", s.name, res.status, s.status, res.body)
		}
		if (s.user != "") != res.reached || s.user != "" && userString(res.user) != s.user {
			t.Fatalf("%s: reached %v as %s, want %q", s.name, res.reached, userString(res.user), s.user)
		}
	}
	for _, want := range []string{"auth mode mlflow", "auth mode none", "cannot tell whether MLflow requires authentication"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// Run probes at once, then every ProbeInterval, and every
// ProbeRetryInterval while the answer is unknown.
func TestAutoRunSchedule(t *testing.T) {
	f := newFakeMLflow(t)
	a, logs := newTestAuto(t, f.srv.URL)
	waits := make(chan time.Duration)
	ticks := make(chan time.Time)
	a.after = func(d time.Duration) <-chan time.Time {
		waits <- d
		return ticks
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		a.Run(ctx)
		close(done)
	}()
	steps := []struct {
		change   func()
		wantMode Mode
		wantWait time.Duration
	}{
		{nil, ModeMLflow, time.Minute},
		{func() { f.set(func(f *fakeMLflow) { f.authOn = false }) }, ModeNone, time.Minute},
		{func() { f.set(func(f *fakeMLflow) { f.status[searchPath] = 502 }) }, "", 5 * time.Second},
		{nil, "", 5 * time.Second},
		{func() { f.set(func(f *fakeMLflow) { delete(f.status, searchPath) }) }, ModeNone, time.Minute},
	}
	for i, s := range steps {
		if s.change != nil {
			s.change()
		}
		if i > 0 {
			ticks <- time.Time{}
		}
		if got := <-waits; got != s.wantWait || a.Mode() != s.wantMode {
			t.Fatalf("step %d: mode %q then wait %s; want %q then %s", i, a.Mode(), got, s.wantMode, s.wantWait)
		}
	}
	cancel()
	<-done
	if n := strings.Count(logs.String(), "cannot tell whether MLflow requires authentication"); n != 1 {
		t.Fatalf("an outage of two probes was warned about %d times, want once", n)
	}
}
