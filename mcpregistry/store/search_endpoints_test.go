package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// seedEndpoints makes endpoints e1..e7 (ids in that order) on two servers:
//
//	e1 a on 1.0.0 (active)  sse              e5 b on latest (1.0.0 draft)
//	e2 a on prod (2.0.0)                      e6 a on 2.0.0 (draft)
//	e3 a on latest (1.0.0)                    e7 a on 9.9.9, a version that does not exist
//	e4 b on 1.0.0 (draft)   sse
func seedEndpoints(e *env) {
	e.t.Helper()
	const a, b = "io.acme/aa", "io.acme/bb"
	e.mustRegister(a, "1.0.0", "active")
	e.mustRegister(a, "2.0.0", "")
	e.mustRegister(b, "1.0.0", "")
	e.must(e.reg.SetAlias(e.ctx, e.alice, a, "prod", "2.0.0"))
	for i, ep := range []struct {
		server, version, alias, transport string
	}{{a, "1.0.0", "", "sse"}, {a, "", "prod", ""}, {a, "", "latest", ""}, {b, "1.0.0", "", "sse"}, {b, "", "latest", ""}, {a, "2.0.0", "", ""}} {
		in := mcpregistry.CreateEndpointInput{URL: "https://x.example.com/" + ep.server}
		if ep.version != "" {
			in.ServerVersion = &ep.version
		} else {
			in.ServerAlias = &ep.alias
		}
		if ep.transport != "" {
			in.TransportType = &ep.transport
		}
		e.at(t0 + 1000 + int64(i/2)*10) // created_at ties in pairs: e1 e2, e3 e4, e5 e6
		_, err := e.reg.CreateEndpoint(e.ctx, e.alice, ep.server, in)
		e.must(err)
	}
	e.rawExec("INSERT INTO mcp_access_endpoints (id, workspace, server_name, server_version, url, transport_type, created_at, "+
		"last_updated_at) VALUES ($1, 'default', $2, '9.9.9', 'https://x.example.com', 'sse', 1, 1)", fmt.Sprintf("ae-%032x", e.ids.Add(1)), a)
}

func endpointNames(items []mcpregistry.EndpointView) string {
	out := make([]string, len(items))
	for i, ep := range items {
		var n int
		fmt.Sscanf(strings.TrimPrefix(ep.ID, "ae-"), "%x", &n)
		out[i] = fmt.Sprintf("e%d", n)
	}
	return strings.Join(out, " ")
}

func TestSearchEndpoints(t *testing.T) {
	cases := []struct {
		server          string // "" for the workspace
		version, alias  string
		filter, orderBy string
		want            string
	}{
		{want: "e1 e2 e3 e4 e5 e6"}, // e7 does not resolve
		{server: "io.acme/aa", want: "e1 e2 e3 e6"},
		{version: "1.0.0", want: "e1 e4"},
		{server: "io.acme/aa", version: "1.0.0", want: "e1"},
		{alias: "latest", want: "e3 e5"},
		{server: "io.acme/bb", alias: "latest", want: "e5"},
		{alias: "prod", want: "e2"},
		{version: "1.0.0", alias: "prod", want: ""},
		{filter: "`server_name` = 'io.acme/bb'", want: "e4 e5"},
		{filter: "server_name LIKE '%/aa'", want: "e1 e2 e3 e6"},
		{filter: "server_name ILIKE '%/AA'", want: "e1 e2 e3 e6"},
		{filter: "server_name != 'io.acme/aa'", want: "e4 e5"},
		{filter: "transport_type = 'sse'", want: "e1 e4"},
		{filter: "transport_type != 'sse'", want: "e2 e3 e5 e6"},
		{filter: "status = 'active'", want: "e1 e3"}, // the resolved version's status
		{filter: "status IN ('draft')", want: "e2 e4 e5 e6"},
		{filter: "status IN ('active', 'draft') AND transport_type = 'sse'", want: "e1 e4"},
		{filter: fmt.Sprintf("created_at >= %d", t0+1010), want: "e3 e4 e5 e6"},
		{filter: fmt.Sprintf("created_at < %d.5", t0+1000), want: "e1 e2"},
		{filter: fmt.Sprintf("last_updated_at = %d", t0+1020), want: "e5 e6"},
		{orderBy: "id DESC", want: "e6 e5 e4 e3 e2 e1"},
		{orderBy: "server_name DESC", want: "e4 e5 e1 e2 e3 e6"},
		{orderBy: "created_at DESC", want: "e5 e6 e3 e4 e1 e2"},
		{server: "io.acme/aa", filter: "status = 'draft'", orderBy: "created_at DESC", want: "e6 e2"},
	}
	forDialects(t, func(t *testing.T, e *env) {
		seedEndpoints(e)
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s|%s|%s|%s|%s", c.server, c.version, c.alias, c.filter, c.orderBy), func(t *testing.T) {
				req := mcpregistry.EndpointSearchRequest{SearchRequest: mcpregistry.SearchRequest{Filter: c.filter}}
				if c.orderBy != "" {
					req.OrderBy = []string{c.orderBy}
				}
				if c.version != "" {
					req.ServerVersion = &c.version
				}
				if c.alias != "" {
					req.ServerAlias = &c.alias
				}
				var server *string
				if c.server != "" {
					server = &c.server
				}
				p, err := e.reg.SearchEndpoints(e.ctx, e.alice, server, req)
				e.must(err)
				if got := endpointNames(p.Items); got != c.want {
					t.Errorf("got %q, want %q", got, c.want)
				}
				for _, ep := range p.Items {
					if ep.Resolved == nil || (ep.ServerVersion != nil && ep.Resolved.Version.Version != *ep.ServerVersion) {
						t.Errorf("%s resolved to %+v", ep.ID, ep.Resolved)
					}
				}
			})
		}
		_, err := e.reg.SearchEndpoints(e.ctx, e.alice, ptr("io.acme/none"), mcpregistry.EndpointSearchRequest{})
		wantErr(t, err, mlflowerr.ErrNotFound, "MCP server 'io.acme/none' not found")
	})
}
