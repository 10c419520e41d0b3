package sidecar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
)

func newServer(t *testing.T, h http.Handler, checks []sidecar.Check, logs io.Writer) *sidecar.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	return sidecar.New(sidecar.Config{
		Handler: h, Checks: checks, Logger: slog.New(slog.NewJSONHandler(logs, nil)), ShutdownTimeout: 5 * time.Second,
	})
}

func TestRequestID(t *testing.T) {
	var seen string
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Get(sidecar.RequestIDHeader)
		if sidecar.RequestID(r.Context()) != seen {
			t.Errorf("context id %q != header %q", sidecar.RequestID(r.Context()), seen)
		}
	}), nil, nil)
	cases := []struct {
		name, in string
		kept     bool
	}{
		{"none", "", false},
		{"well formed", "abc-123", true},
		{"control characters", "abc\x01", false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/x", nil)
			if c.in != "" {
				req.Header.Set(sidecar.RequestIDHeader, c.in)
			}
			rec := httptest.NewRecorder()
			s.PublicHandler().ServeHTTP(rec, req)
			got := rec.Header().Get(sidecar.RequestIDHeader)
			if got == "" || got != seen {
				t.Fatalf("response id %q, handler saw %q", got, seen)
			}
			if (got == c.in) != c.kept {
				t.Errorf("id %q, kept=%v want %v", got, got == c.in, c.kept)
			}
		})
	}
}

func TestPanicBecomesMLflowError(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}), nil, &logs)
	rec := httptest.NewRecorder()
	s.PublicHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	var body mlflowerr.Body
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.ErrorCode != "INTERNAL_ERROR" {
		t.Fatalf("body %s (%v)", rec.Body, err)
	}
	if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("panic detail or stack leaked to the client: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), "stack") {
		t.Errorf("panic not logged with its stack: %s", logs.String())
	}
}

func TestAccessLogOmitsQueryAndHeaders(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }), nil, &logs)
	req := httptest.NewRequest("GET", "/ajax-api/x?token=s3cr3t", nil)
	req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	s.PublicHandler().ServeHTTP(httptest.NewRecorder(), req)
	line := logs.String()
	for _, secret := range []string{"s3cr3t", "dXNlcjpwYXNz"} {
		if strings.Contains(line, secret) {
			t.Errorf("log contains %q: %s", secret, line)
		}
	}
	if !strings.Contains(line, `"status":418`) || !strings.Contains(line, `"path":"/ajax-api/x"`) {
		t.Errorf("log line lacks status or path: %s", line)
	}
}

// TestReadiness: required checks decide the status, optional ones are only
// reported, and a failing dependency that recovers makes /readyz ready again
// without a restart.
func TestReadiness(t *testing.T) {
	var dbDown atomic.Bool
	checks := []sidecar.Check{
		{Name: "database", Required: true, Run: func(context.Context) error {
			if dbDown.Load() {
				return errors.New("connection refused")
			}
			return nil
		}},
		{Name: "upstream", Required: false, Run: func(context.Context) error { return errors.New("MLflow down") }},
	}
	s := newServer(t, http.NotFoundHandler(), checks, nil)
	ready := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return rec.Code, body
	}
	if code, body := ready(); code != 200 || body["status"] != "ready" {
		t.Fatalf("%d %v", code, body)
	}
	dbDown.Store(true)
	code, body := ready()
	if code != 503 || body["status"] != "not ready" {
		t.Fatalf("db down: %d %v", code, body)
	}
	if !strings.Contains(mustJSON(t, body), "connection refused") {
		t.Errorf("failure reason missing: %v", body)
	}
	dbDown.Store(false)
	if code, _ := ready(); code != 200 {
		t.Fatalf("not ready again after the database returned: %d", code)
	}
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
}

// TestGracefulShutdown: an in-flight request finishes after the stop signal;
// readiness reports draining meanwhile.
func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	}), nil, nil)
	pub, _ := net.Listen("tcp", "127.0.0.1:0")
	adm, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, pub, adm) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + pub.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	stop()
	// Wait until the server is draining, then let the request finish.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + adm.Addr().String() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				break
			}
		} else {
			break // the admin listener already closed: draining has begun
		}
		if time.Now().After(deadline) {
			t.Fatal("readiness never reported draining")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestOwnRoutes(t *testing.T) {
	var got scope.Scope
	h := sidecar.Own(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = scope.From(r.Context())
		_, err := io.ReadAll(r.Body)
		if err != nil {
			mlflowerr.Write(w, mlflowerr.TooLarge("%v", err))
		}
	}), sidecar.OwnOptions{Workspaces: fixedWorkspace{}, Auth: userAuth{}, MaxBodyBytes: 10})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/x", strings.NewReader("0123456789"))
	req.Header.Set(scope.WorkspaceHeader, "team-a")
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got.Workspace != "team-a" || got.User == nil || *got.User != "alice" {
		t.Fatalf("%d %+v", rec.Code, got)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", strings.NewReader("0123456789x")))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared oversize body: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("POST", "/x", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("x")))
	req.ContentLength = -1
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked oversize body: %d", rec.Code)
	}
}

type fixedWorkspace struct{}

func (fixedWorkspace) Resolve(_ context.Context, header string) (string, error) {
	if header == "" {
		return scope.DefaultWorkspace, nil
	}
	return header, nil
}

type userAuth struct{}

func (userAuth) Authenticate(http.ResponseWriter, *http.Request) (*string, bool, error) {
	u := "alice"
	return &u, false, nil
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOwnRoutesBoundBodies: at most MaxConcurrentBodies requests buffer a
// body at once; the next one waits, then gets 503.
func TestOwnRoutesBoundBodies(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	h := sidecar.Own(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inside <- struct{}{}
		<-release
	}), sidecar.OwnOptions{Workspaces: fixedWorkspace{}, MaxBodyBytes: 1 << 20,
		MaxConcurrentBodies: 1, BodyQueueTimeout: 50 * time.Millisecond})

	first := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", strings.NewReader("{}")))
		first <- rec.Code
	}()
	<-inside
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", strings.NewReader("{}")))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "TEMPORARILY_UNAVAILABLE") {
		t.Fatalf("second concurrent body: %d %s", rec.Code, rec.Body)
	}
	// A GET without a body is not queued.
	go func() { <-inside }()
	rec = httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil)); close(done) }()
	close(release)
	<-done
	if code := <-first; code != 200 {
		t.Fatalf("first request: %d", code)
	}
}

// TestOwnRoutesReadDeadline: a client trickling its body is cut off.
func TestOwnRoutesReadDeadline(t *testing.T) {
	readErr := make(chan error, 1)
	srv := httptest.NewServer(sidecar.Own(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	}), sidecar.OwnOptions{Workspaces: fixedWorkspace{}, MaxBodyBytes: 1 << 20, ReadTimeout: 100 * time.Millisecond}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("a body that never completes was read without error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read deadline did not cut the slow body off")
	}
}

// TestOwnRoutesRecordAuthentication: the scope says whether this request's
// credentials were verified, as the authenticator reported it once.
func TestOwnRoutesRecordAuthentication(t *testing.T) {
	for _, verified := range []bool{true, false} {
		var got scope.Scope
		h := sidecar.Own(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = scope.From(r.Context()) }),
			sidecar.OwnOptions{Workspaces: fixedWorkspace{}, Auth: markingAuth{verified}})
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		if got.Authenticated != verified {
			t.Errorf("verified=%v: scope.Authenticated=%v", verified, got.Authenticated)
		}
	}
}

type markingAuth struct{ verified bool }

func (m markingAuth) Authenticate(_ http.ResponseWriter, r *http.Request) (*string, bool, error) {
	if m.verified {
		scope.MarkAuthenticated(r.Context())
	}
	return nil, false, nil
}
