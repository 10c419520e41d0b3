package client

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func TestIteratorsFollowPages(t *testing.T) {
	page := func(names []string, next string) answer {
		p := wire.SearchServers{Servers: []wire.Server{}}
		for _, n := range names {
			p.Servers = append(p.Servers, wire.Server{Name: n})
		}
		if next != "" {
			p.NextPageToken = &next
		}
		b, _ := json.Marshal(p)
		return answer{status: 200, body: string(b)}
	}
	t.Run("all pages", func(t *testing.T) {
		c, rc, _ := newTestClient(t, Options{}, page([]string{"a/aa", "a/bb"}, "t1"), page(nil, "t2"), page([]string{"a/cc"}, ""))
		var got []string
		for s, err := range c.Servers(t.Context(), Search{Filter: "name LIKE 'a/%'", MaxResults: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s.Name)
		}
		if strings.Join(got, ",") != "a/aa,a/bb,a/cc" {
			t.Errorf("got %v", got)
		}
		reqs := rc.requests()
		if len(reqs) != 3 {
			t.Fatalf("%d requests", len(reqs))
		}
		for i, want := range []string{"", "t1", "t2"} {
			u, _ := url.Parse(reqs[i].RequestURI)
			q := u.Query()
			if q.Get("page_token") != want || q.Get("filter_string") != "name LIKE 'a/%'" || q.Get("max_results") != "2" {
				t.Errorf("request %d: %s", i, reqs[i].RequestURI)
			}
		}
	})
	t.Run("stopping early fetches no more pages", func(t *testing.T) {
		c, rc, _ := newTestClient(t, Options{}, page([]string{"a/aa", "a/bb"}, "t1"), page([]string{"a/cc"}, ""))
		for range c.Servers(t.Context(), Search{}) {
			break
		}
		if n := len(rc.requests()); n != 1 {
			t.Errorf("%d requests", n)
		}
	})
	t.Run("an error ends the iteration", func(t *testing.T) {
		c, _, _ := newTestClient(t, Options{MaxRetries: -1}, page([]string{"a/aa"}, "t1"),
			answer{status: 400, body: `{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid page token"}`})
		var n int
		var last error
		for _, err := range c.Servers(t.Context(), Search{}) {
			n++
			last = err
		}
		if n != 2 || !IsInvalid(last) {
			t.Errorf("%d items, last error %v", n, last)
		}
	})
	t.Run("a repeated token is an error, not a loop", func(t *testing.T) {
		c, _, _ := newTestClient(t, Options{}, page([]string{"a/aa"}, "same"))
		var last error
		n := 0
		for _, err := range c.Servers(t.Context(), Search{}) {
			if n++; n > 10 {
				t.Fatal("iteration does not end")
			}
			last = err
		}
		if last == nil || !strings.Contains(last.Error(), "twice") {
			t.Errorf("last error %v", last)
		}
	})
}

func TestOtherIteratorsUseTheirRoutes(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		run  func(c *Client) (int, error)
		path string
	}{
		{"versions", `{"mcp_server_versions":[{"name":"a/b","version":"1.0.0"}],"next_page_token":null}`, func(c *Client) (int, error) {
			return count(c.Versions(t.Context(), "a/b", Search{}))
		}, "/api/3.0/mlflow/mcp-servers/a%2Fb/versions"},
		{"endpoints", `{"mcp_access_endpoints":[{"id":"ae-1"}],"next_page_token":null}`, func(c *Client) (int, error) {
			return count(c.Endpoints(t.Context(), EndpointSearch{}))
		}, "/api/3.0/mlflow/mcp-servers/endpoints"},
		{"version traces", `{"traces":[{"trace_id":"tr-1","mcp_server_version":{"name":"a/b","version":"1.0.0"}}],"next_page_token":null}`, func(c *Client) (int, error) {
			return count(c.VersionTraces(t.Context(), "a/b", "1.0.0", TraceSearch{}))
		}, "/api/3.0/mlflow/mcp-servers/a%2Fb/versions/1.0.0/traces"},
		{"server traces", `{"traces":[{"trace_id":"tr-1"}],"next_page_token":null}`, func(c *Client) (int, error) {
			return count(c.ServerTraces(t.Context(), "a/b", TraceSearch{}))
		}, "/api/3.0/mlflow/mcp-servers/a%2Fb/traces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, _ := newTestClient(t, Options{}, answer{status: 200, body: tc.body})
			n, err := tc.run(c)
			if err != nil || n != 1 {
				t.Fatalf("%d items, %v", n, err)
			}
			if got := rc.requests()[0].RequestURI; got != tc.path {
				t.Errorf("path %s", got)
			}
		})
	}
}

func count[T any](seq func(yield func(T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
