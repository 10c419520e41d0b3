package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// recorded is one request as the server saw it.
type recorded struct {
	Method     string
	RequestURI string
	Body       string
	Header     http.Header
}

// recorder answers every request with the next canned answer (the last one
// repeats) and records what it received.
type recorder struct {
	mu      sync.Mutex
	reqs    []recorded
	answers []answer
}

type answer struct {
	status int
	body   string
	header map[string]string
	// hangUp closes the connection without answering.
	hangUp bool
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, recorded{Method: r.Method, RequestURI: r.RequestURI, Body: string(body), Header: r.Header.Clone()})
	a := answer{status: 200, body: "{}"}
	if n := len(rc.reqs) - 1; n < len(rc.answers) {
		a = rc.answers[n]
	} else if len(rc.answers) > 0 {
		a = rc.answers[len(rc.answers)-1]
	}
	rc.mu.Unlock()
	if a.hangUp {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (rc *recorder) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.reqs...)
}

// newTestClient starts a recorder and a client of it whose backoff waits
// are recorded instead of slept.
func newTestClient(t *testing.T, opt Options, answers ...answer) (*Client, *recorder, *[]time.Duration) {
	t.Helper()
	rc := &recorder{answers: answers}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	if opt.TrackingURI == "" {
		opt.TrackingURI = srv.URL
	} else {
		opt.TrackingURI = strings.Replace(opt.TrackingURI, "SERVER", strings.TrimPrefix(srv.URL, "http://"), 1)
	}
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, d)
		return nil
	}
	return c, rc, waits
}

func ptr[T any](v T) *T { return &v }

func TestRoutesAndEncoding(t *testing.T) {
	const name = "io.github.acme/web search" // a space to see %20, a slash to see %2F
	const enc = "io.github.acme%2Fweb%20search"
	for _, tc := range []struct {
		name     string
		call     func(context.Context, *Client) error
		method   string
		uri      string
		wantBody string
	}{
		{"create server", func(ctx context.Context, c *Client) error {
			_, err := c.CreateServer(ctx, wire.CreateServerRequest{Name: name, Description: ptr("d")})
			return err
		}, "POST", "/api/3.0/mlflow/mcp-servers", `{"name":"io.github.acme/web search","description":"d"}`},
		{"get server", func(ctx context.Context, c *Client) error { _, err := c.GetServer(ctx, name); return err },
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc, ""},
		{"update server", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateServer(ctx, name, wire.UpdateServerRequest{DisplayName: wire.Null[string]()})
			return err
		}, "PATCH", "/api/3.0/mlflow/mcp-servers/" + enc, `{"display_name":null}`},
		{"delete server", func(ctx context.Context, c *Client) error { return c.DeleteServer(ctx, name) },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc, ""},
		{"search servers", func(ctx context.Context, c *Client) error {
			_, err := c.SearchServers(ctx, Search{Filter: "name LIKE 'a%'", OrderBy: []string{"name DESC", "created_at ASC"}, MaxResults: 5, PageToken: "tok="})
			return err
		}, "GET", "/api/3.0/mlflow/mcp-servers?filter_string=name+LIKE+%27a%25%27&max_results=5&order_by=name+DESC&order_by=created_at+ASC&page_token=tok%3D", ""},
		{"create version", func(ctx context.Context, c *Client) error {
			_, err := c.CreateVersion(ctx, name, wire.CreateVersionRequest{ServerJSON: json.RawMessage(`{"name":"x","version":"1.0.0"}`), Status: ptr("active"), CreateEndpointsFromRemotes: true})
			return err
		}, "POST", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions",
			`{"server_json":{"name":"x","version":"1.0.0"},"status":"active","create_access_endpoints_from_remotes":true}`},
		{"get version with build metadata", func(ctx context.Context, c *Client) error { _, err := c.GetVersion(ctx, name, "1.0.0+b/1"); return err },
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0%2Bb%2F1", ""},
		{"latest", func(ctx context.Context, c *Client) error { _, err := c.GetLatestVersion(ctx, name); return err },
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/aliases/latest", ""},
		{"alias with slash", func(ctx context.Context, c *Client) error {
			_, err := c.GetVersionByAlias(ctx, name, "prod/eu")
			return err
		},
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/aliases/prod%2Feu", ""},
		{"update version", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateVersion(ctx, name, "1.0.0", wire.UpdateVersionRequest{Status: ptr("deprecated"), Tools: wire.Value(json.RawMessage(`[]`))})
			return err
		}, "PATCH", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0", `{"status":"deprecated","tools":[]}`},
		{"delete version", func(ctx context.Context, c *Client) error { return c.DeleteVersion(ctx, name, "1.0.0") },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0", ""},
		{"search versions", func(ctx context.Context, c *Client) error {
			_, err := c.SearchVersions(ctx, name, Search{OrderBy: []string{"`version` DESC"}})
			return err
		}, "GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions?order_by=%60version%60+DESC", ""},
		{"create endpoint", func(ctx context.Context, c *Client) error {
			_, err := c.CreateEndpoint(ctx, name, wire.CreateEndpointRequest{URL: "https://x/mcp", ServerAlias: ptr("latest")})
			return err
		}, "POST", "/api/3.0/mlflow/mcp-servers/" + enc + "/endpoints", `{"url":"https://x/mcp","server_alias":"latest"}`},
		{"get endpoint", func(ctx context.Context, c *Client) error { _, err := c.GetEndpoint(ctx, name, "ae-1"); return err },
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/endpoints/ae-1", ""},
		{"update endpoint", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateEndpoint(ctx, name, "ae-1", wire.UpdateEndpointRequest{ServerVersion: ptr("1.0.0")})
			return err
		}, "PATCH", "/api/3.0/mlflow/mcp-servers/" + enc + "/endpoints/ae-1", `{"server_version":"1.0.0"}`},
		{"delete endpoint", func(ctx context.Context, c *Client) error { return c.DeleteEndpoint(ctx, name, "ae-1") },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc + "/endpoints/ae-1", ""},
		{"search server endpoints", func(ctx context.Context, c *Client) error {
			_, err := c.SearchEndpoints(ctx, EndpointSearch{Server: name, ServerAlias: ptr("prod")})
			return err
		}, "GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/endpoints?server_alias=prod", ""},
		{"search workspace endpoints", func(ctx context.Context, c *Client) error {
			_, err := c.SearchEndpoints(ctx, EndpointSearch{ServerVersion: ptr("1.0.0"), Search: Search{Filter: "transport_type = 'sse'"}})
			return err
		}, "GET", "/api/3.0/mlflow/mcp-servers/endpoints?filter_string=transport_type+%3D+%27sse%27&server_version=1.0.0", ""},
		{"set server tag", func(ctx context.Context, c *Client) error { return c.SetServerTag(ctx, name, "team", "search") },
			"POST", "/api/3.0/mlflow/mcp-servers/" + enc + "/tags", `{"key":"team","value":"search"}`},
		{"delete server tag", func(ctx context.Context, c *Client) error { return c.DeleteServerTag(ctx, name, "a/b") },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc + "/tags/a%2Fb", ""},
		{"set version tag", func(ctx context.Context, c *Client) error { return c.SetVersionTag(ctx, name, "1.0.0", "k", "v") },
			"POST", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0/tags", `{"key":"k","value":"v"}`},
		{"delete version tag", func(ctx context.Context, c *Client) error { return c.DeleteVersionTag(ctx, name, "1.0.0", "k") },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0/tags/k", ""},
		{"set alias", func(ctx context.Context, c *Client) error { return c.SetAlias(ctx, name, "prod", "1.0.0") },
			"POST", "/api/3.0/mlflow/mcp-servers/" + enc + "/aliases", `{"alias":"prod","version":"1.0.0"}`},
		{"delete alias", func(ctx context.Context, c *Client) error { return c.DeleteAlias(ctx, name, "prod") },
			"DELETE", "/api/3.0/mlflow/mcp-servers/" + enc + "/aliases/prod", ""},
		{"link trace", func(ctx context.Context, c *Client) error {
			return c.LinkTrace(ctx, "tr-1", wire.VersionRef{Name: name, Version: "1.0.0"})
		}, "POST", "/api/3.0/mlflow/traces/link-mcp-server-versions",
			`{"trace_id":"tr-1","mcp_server_versions":[{"name":"io.github.acme/web search","version":"1.0.0"}]}`},
		{"unlink trace", func(ctx context.Context, c *Client) error { return c.UnlinkTrace(ctx, "tr-1") },
			"POST", "/api/3.0/mlflow/traces/unlink-mcp-server-versions", `{"trace_id":"tr-1","mcp_server_versions":[]}`},
		{"trace versions", func(ctx context.Context, c *Client) error { _, err := c.TraceVersions(ctx, "tr-1"); return err },
			"GET", "/api/3.0/mlflow/traces/tr-1/mcp-server-versions", ""},
		{"version traces", func(ctx context.Context, c *Client) error {
			_, err := c.SearchVersionTraces(ctx, name, "1.0.0", TraceSearch{MaxResults: 2, PageToken: "p"})
			return err
		}, "GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/versions/1.0.0/traces?max_results=2&page_token=p", ""},
		{"server traces", func(ctx context.Context, c *Client) error {
			_, err := c.SearchServerTraces(ctx, name, TraceSearch{})
			return err
		},
			"GET", "/api/3.0/mlflow/mcp-servers/" + enc + "/traces", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, _ := newTestClient(t, Options{})
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			reqs := rc.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.RequestURI != tc.uri {
				t.Errorf("got %s %s\nwant %s %s", r.Method, r.RequestURI, tc.method, tc.uri)
			}
			if r.Body != tc.wantBody {
				t.Errorf("body %s, want %s", r.Body, tc.wantBody)
			}
			if ct := r.Header.Get("Content-Type"); (tc.wantBody != "") != (ct == "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestSegMatchesPythonQuoteSafeEmpty(t *testing.T) {
	// Expected values are urllib.parse.quote(s, safe="") in Python 3.
	for in, want := range map[string]string{
		"com.example/server-name": "com.example%2Fserver-name",
		"a_b.c-d~e":               "a_b.c-d~e",
		"1.0.0+build.1":           "1.0.0%2Bbuild.1",
		"k=v&x;y:z@w$,!'()*":      "k%3Dv%26x%3By%3Az%40w%24%2C%21%27%28%29%2A",
		"é %?#[]":                 "%C3%A9%20%25%3F%23%5B%5D",
		"":                        "",
	} {
		if got := seg(in); got != want {
			t.Errorf("seg(%q) = %q, want %q", in, got, want)
		}
	}
}
