package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
)

// The authenticators must fit the interface the sidecar's middleware calls.
var (
	_ sidecar.Authenticator = None{}
	_ sidecar.Authenticator = (*MLflow)(nil)
	_ sidecar.Authenticator = (*Auto)(nil)
	_ sidecar.Authenticator = (*Header)(nil)
	_ sidecar.Authenticator = WithAuthorizer(None{}, nil)
)

// fakeMLflow behaves like `mlflow server --app-name basic-auth` for the
// routes the guard uses: Basic users with passwords, plus bearer tokens and
// session cookies as other auth plugins use them; 401 with MLflow's text and
// challenge; users/current and users/get with their rules
// (validate_can_read_user); experiments/search. With auth off those user
// routes do not exist and everything else is open.
type fakeMLflow struct {
	srv *httptest.Server

	mu         sync.Mutex
	authOn     bool
	hasCurrent bool
	users      map[string]fakeUser
	tokens     map[string]string // bearer token → user
	sessions   map[string]string // mlflow_session cookie → user
	status     map[string]int    // path → status to answer instead (after authentication)
	hits       map[string]int    // path → requests seen
	creds      []string          // Authorization and Cookie values seen
	gate       chan struct{}     // when set, authenticated answers wait for it
	arrived    chan string       // when set, receives each path on arrival
}

type fakeUser struct {
	password string
	admin    bool
	id       int
}

const (
	alicePassword = "alice-S3cret!pw"
	adminPassword = "admin-T0p$ecret"
	bobToken      = "bob-opaque-token-9f8e7d"
	carolSession  = "carol-session-5a4b3c"
)

func newFakeMLflow(t *testing.T) *fakeMLflow {
	t.Helper()
	f := &fakeMLflow{
		authOn: true, hasCurrent: true,
		users: map[string]fakeUser{
			"alice": {password: alicePassword, id: 2},
			"admin": {password: adminPassword, admin: true, id: 1},
			"bob":   {password: "unused-by-bob", id: 3},
			"carol": {password: "unused-by-carol", id: 4},
		},
		tokens:   map[string]string{bobToken: "bob"},
		sessions: map[string]string{carolSession: "carol"},
		status:   map[string]int{},
		hits:     map[string]int{},
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMLflow) set(fn func(f *fakeMLflow)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeMLflow) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *fakeMLflow) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.hits {
		n += c
	}
	return n
}

func (f *fakeMLflow) authenticate(r *http.Request) (string, bool) {
	if u, p, ok := r.BasicAuth(); ok {
		fu, exists := f.users[u]
		return u, exists && fu.password == p
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		u, exists := f.tokens[tok]
		return u, exists
	}
	if c, err := r.Cookie("mlflow_session"); err == nil {
		u, exists := f.sessions[c.Value]
		return u, exists
	}
	return "", false
}

func (f *fakeMLflow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits[r.URL.Path]++
	f.creds = append(f.creds, r.Header.Values("Authorization")...)
	f.creds = append(f.creds, r.Header.Values("Cookie")...)
	authOn, hasCurrent, gate, arrived := f.authOn, f.hasCurrent, f.gate, f.arrived
	sender, ok := f.authenticate(r)
	status, override := f.status[r.URL.Path]
	f.mu.Unlock()
	if arrived != nil {
		arrived <- r.URL.Path
	}
	if authOn && !ok {
		w.Header().Set("WWW-Authenticate", basicChallenge)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, notAuthenticatedMsg)
		return
	}
	if gate != nil {
		<-gate
	}
	if override {
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "/login")
		}
		w.WriteHeader(status)
		io.WriteString(w, "Permission denied")
		return
	}
	switch {
	case r.URL.Path == searchPath:
		writeJSON(w, http.StatusOK, map[string]any{"experiments": []any{map[string]string{"experiment_id": "0", "name": "Default"}}})
	case authOn && hasCurrent && r.URL.Path == currentUserPath:
		writeJSON(w, http.StatusOK, map[string]any{"user": f.userJSON(sender), "is_basic_auth": true})
	case authOn && r.URL.Path == getUserPath:
		f.getUser(w, r, sender)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeMLflow) getUser(w http.ResponseWriter, r *http.Request, sender string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.URL.Query().Get("username")
	if name != sender && !f.users[sender].admin {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "Permission denied")
		return
	}
	if _, ok := f.users[name]; !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error_code": "RESOURCE_DOES_NOT_EXIST", "message": fmt.Sprintf("User with username=%s not found", name)})
		return
	}
	u := f.userJSON(name)
	u["experiment_permissions"], u["registered_model_permissions"] = []any{}, []any{}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
}

func (f *fakeMLflow) userJSON(name string) map[string]any {
	u := f.users[name]
	return map[string]any{"id": u.id, "username": name, "is_admin": u.admin}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fakeClock is the cache's clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects slog output from concurrent requests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// defaultWorkspace stands in for the workspaces resolver (workspaces off).
type defaultWorkspace struct{}

func (defaultWorkspace) Resolve(context.Context, string) (string, error) {
	return scope.DefaultWorkspace, nil
}

// ownResult is what a request through the own-route middleware produced.
type ownResult struct {
	status  int
	header  http.Header
	body    string
	reached bool    // the wrapped handler ran
	user    *string // the user it saw in the request scope
}

// serveOwn sends r through the sidecar's real own-route middleware with a as
// its authenticator, to a handler that records the user it sees.
func serveOwn(a sidecar.Authenticator, r *http.Request) ownResult {
	var res ownResult
	var seen []string
	rec := httptest.NewRecorder()
	ownHandler(a, &seen).ServeHTTP(rec, r)
	res.status, res.header, res.body = rec.Code, rec.Result().Header, rec.Body.String()
	if len(seen) == 1 {
		res.reached = true
		if seen[0] != "<nil>" {
			res.user = &seen[0]
		}
	}
	return res
}

// ownHandler is the sidecar's own-route middleware with a as its
// authenticator, around a handler that appends the user it sees to seen.
func ownHandler(a sidecar.Authenticator, seen *[]string) http.Handler {
	var mu sync.Mutex
	return sidecar.Own(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*seen = append(*seen, userString(scope.From(r.Context()).User))
		mu.Unlock()
		io.WriteString(w, "served")
	}), sidecar.OwnOptions{Workspaces: defaultWorkspace{}, Auth: a, MaxBodyBytes: 1 << 20})
}

func userString(u *string) string {
	if u == nil {
		return "<nil>"
	}
	return *u
}
