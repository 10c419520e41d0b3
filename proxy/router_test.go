package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
}

// testRoutes are shaped like the ones later work registers.
var testRoutes = []Route{
	{Name: "mcp-ajax", Path: "/ajax-api/3.0/mlflow/mcp-servers", Subtree: true},
	{Name: "mcp-api", Path: "/api/3.0/mlflow/mcp-servers", Subtree: true},
	{Name: "trace-link", Path: "/api/3.0/mlflow/traces/link-mcp-server-versions", Placement: Anywhere},
	{Name: "trace-versions", Path: "/api/3.0/mlflow/traces/{trace_id}/mcp-server-versions", Placement: Anywhere},
	{Name: "flask-style", Path: "/api/2.0/mlflow/root-only", Placement: AtRoot},
	{Name: "official", Path: "/v0.1", Subtree: true},
}

func newTestRouter(t *testing.T, prefix string) *Router {
	t.Helper()
	rt, err := NewRouter(prefix, named("upstream"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testRoutes {
		r.Handler = named(r.Name)
		if err := rt.Handle(r); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

func TestRouterLookup(t *testing.T) {
	type want struct {
		route, prefix, rest, param string // route "" = upstream
	}
	cases := []struct {
		name, prefix, path string
		want               want
	}{
		{"exact subtree root", "", "/api/3.0/mlflow/mcp-servers", want{route: "mcp-api"}},
		{"below subtree", "", "/api/3.0/mlflow/mcp-servers/my%2Fserver/versions", want{route: "mcp-api", rest: "/my%2Fserver/versions"}},
		{"trailing slash in subtree", "", "/ajax-api/3.0/mlflow/mcp-servers/", want{route: "mcp-ajax", rest: "/"}},
		{"no false prefix match", "", "/api/3.0/mlflow/mcp-servers-foo", want{}},
		{"encoded slash is not a separator", "", "/api/3.0/mlflow%2Fmcp-servers", want{}},
		{"double slash is not normalised", "", "//api/3.0/mlflow/mcp-servers", want{}},
		{"other MLflow route", "", "/api/2.0/mlflow/runs/search", want{}},
		{"segment pattern", "", "/api/3.0/mlflow/traces/tr-abc/mcp-server-versions", want{route: "trace-versions", param: "tr-abc"}},
		{"segment pattern encoded value", "", "/api/3.0/mlflow/traces/tr%2Fx/mcp-server-versions", want{route: "trace-versions", param: "tr/x"}},
		{"segment pattern is exact", "", "/api/3.0/mlflow/traces/tr-abc/mcp-server-versions/x", want{}},
		{"segment pattern needs a value", "", "/api/3.0/mlflow/traces//mcp-server-versions", want{}},
		{"sibling trace route goes upstream", "", "/api/3.0/mlflow/traces/tr-abc/tags", want{}},
		{"exact route", "", "/api/3.0/mlflow/traces/link-mcp-server-versions", want{route: "trace-link"}},
		{"exact route is not a subtree", "", "/api/3.0/mlflow/traces/link-mcp-server-versions/x", want{}},
		{"official", "", "/v0.1/servers", want{route: "official", rest: "/servers"}},
		{"official no partial", "", "/v0.10/servers", want{}},
		{"prefix: under prefix", "/mlflow", "/mlflow/ajax-api/3.0/mlflow/mcp-servers/x", want{route: "mcp-ajax", prefix: "/mlflow", rest: "/x"}},
		{"prefix: FastAPI route not at root", "/mlflow", "/ajax-api/3.0/mlflow/mcp-servers", want{}},
		{"prefix: must end at a segment", "/mlflow", "/mlflowx/ajax-api/3.0/mlflow/mcp-servers", want{}},
		{"prefix: the prefix alone", "/mlflow", "/mlflow", want{}},
		{"prefix: anywhere at root", "/mlflow", "/api/3.0/mlflow/traces/link-mcp-server-versions", want{route: "trace-link"}},
		{"prefix: anywhere under prefix", "/mlflow", "/mlflow/api/3.0/mlflow/traces/link-mcp-server-versions", want{route: "trace-link", prefix: "/mlflow"}},
		{"prefix: at-root route at root", "/mlflow", "/api/2.0/mlflow/root-only", want{route: "flask-style"}},
		{"prefix: at-root route not under prefix", "/mlflow", "/mlflow/api/2.0/mlflow/root-only", want{}},
		{"nested prefix", "/a/b", "/a/b/v0.1", want{route: "official", prefix: "/a/b"}},
		{"escaped prefix", "/ml flow", "/ml%20flow/v0.1", want{route: "official", prefix: "/ml%20flow"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, h := newTestRouter(t, c.prefix).Lookup(c.path)
			if c.want.route == "" {
				if h != nil {
					t.Fatalf("matched %q, want upstream", m.Route)
				}
				return
			}
			if h == nil {
				t.Fatalf("went upstream, want %q", c.want.route)
			}
			got := want{route: m.Route, prefix: m.StaticPrefix, rest: m.Rest, param: m.Param("trace_id")}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRouterRejects(t *testing.T) {
	if _, err := NewRouter("/trailing/", named("x")); err == nil {
		t.Error("prefix ending in / accepted")
	}
	if _, err := NewRouter("noslash", named("x")); err == nil {
		t.Error("prefix without leading / accepted")
	}
	if _, err := NewRouter("", nil); err == nil {
		t.Error("nil fallback accepted")
	}
	bad := []Route{
		{Name: "", Path: "/a", Handler: named("x")},
		{Name: "nohandler", Path: "/a"},
		{Name: "rel", Path: "a", Handler: named("x")},
		{Name: "root", Path: "/", Handler: named("x")},
		{Name: "trail", Path: "/a/", Handler: named("x")},
		{Name: "empty seg", Path: "/a//b", Handler: named("x")},
		{Name: "partial param", Path: "/a/x{id}", Handler: named("x")},
		{Name: "empty param", Path: "/a/{}", Handler: named("x")},
		{Name: "repeated param", Path: "/{a}/{a}", Handler: named("x")},
		{Name: "mcp-api", Path: "/dup", Handler: named("x")},
	}
	for _, r := range bad {
		t.Run(r.Name+r.Path, func(t *testing.T) {
			if err := newTestRouter(t, "").Handle(r); err == nil {
				t.Fatalf("accepted %+v", r)
			}
		})
	}
}

func TestRouterServeHTTP(t *testing.T) {
	var gotPath, gotRaw, gotRoute string
	rt, err := NewRouter("/mlflow", named("upstream"))
	if err != nil {
		t.Fatal(err)
	}
	err = rt.Handle(Route{Name: "mcp", Path: "/api/3.0/mlflow/mcp-servers", Subtree: true,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m, _ := MatchFrom(r.Context())
			gotPath, gotRaw, gotRoute = r.URL.Path, r.URL.RawPath, m.Route
			io.WriteString(w, "own")
		})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	cases := []struct{ path, body, wantPath, wantRaw string }{
		{"/mlflow/api/3.0/mlflow/mcp-servers/a%2Fb", "own", "/mlflow/api/3.0/mlflow/mcp-servers/a/b", "/mlflow/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"/mlflow/api/3.0/mlflow/mcp-servers", "own", "/mlflow/api/3.0/mlflow/mcp-servers", ""},
		{"/api/3.0/mlflow/mcp-servers", "upstream", "", ""},
		{"/mlflow/api/2.0/mlflow/runs/get", "upstream", "", ""},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			gotPath, gotRaw, gotRoute = "", "", ""
			res, body := rawRequest(t, srv, "GET", c.path, http.Header{}, "")
			if res.StatusCode != 200 || string(body) != c.body {
				t.Fatalf("got %d %q, want %q", res.StatusCode, body, c.body)
			}
			if c.body == "own" && (gotPath != c.wantPath || gotRaw != c.wantRaw || gotRoute != "mcp") {
				t.Fatalf("handler saw path %q raw %q route %q", gotPath, gotRaw, gotRoute)
			}
		})
	}
	if _, ok := MatchFrom(httptest.NewRequest("GET", "/", nil).Context()); ok {
		t.Error("MatchFrom found a match in a bare context")
	}
}
