package store_test

import (
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

func TestCreateEndpoint(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/mail"
		in := mcpregistry.CreateVersionInput{ServerJSON: serverJSON(name, "1.0.0"), Tools: []byte(`[{"name": "send", "inputSchema": {"type": "object"}}]`)}
		_, err := e.reg.CreateVersion(e.ctx, e.alice, name, in)
		e.must(err)
		e.mustRegister(name, "2.0.0", "")
		e.mustRegister(name, "3.0.0", "")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.0.0"))
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "old", "3.0.0"))
		e.setStatus(name, "3.0.0", "deleted") // a PATCH leaves the alias in place
		// MLflow keeps no foreign key from an alias to its version: a row
		// written elsewhere may point at nothing.
		e.rawExec("INSERT INTO mcp_server_aliases (workspace, name, alias, version) VALUES ('default', $1, 'ghost', '9.9.9')", name)

		for _, c := range []struct {
			name           string
			version, alias *string
			resolved       string
			kind           error
			msg            string
		}{
			{"by version", ptr("2.0.0"), nil, "2.0.0", nil, ""},
			{"by alias", nil, ptr("prod"), "1.0.0", nil, ""},
			{"by latest", nil, ptr("latest"), "2.0.0", nil, ""},
			{"missing version", ptr("9.0.0"), nil, "", mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/mail' version '9.0.0' not found"},
			{"deleted version", ptr("3.0.0"), nil, "", mlflowerr.ErrInvalid,
				"Cannot create MCP access endpoint to deleted MCP server version 'io.github.acme/mail' version '3.0.0'"},
			{"missing alias", nil, ptr("nope"), "", mlflowerr.ErrNotFound, "Alias 'nope' not found for MCP server 'io.github.acme/mail'"},
			{"alias on a missing version", nil, ptr("ghost"), "", mlflowerr.ErrInvalid,
				"Alias 'ghost' for MCP server 'io.github.acme/mail' points to missing version '9.9.9'"},
			{"alias on a deleted version", nil, ptr("old"), "", mlflowerr.ErrInvalid,
				"Alias 'old' for MCP server 'io.github.acme/mail' points to deleted version '3.0.0'"},
			{"both targets", ptr("2.0.0"), ptr("prod"), "", mlflowerr.ErrInvalid, "Exactly one of server_version or server_alias must be provided"},
			{"no target", nil, nil, "", mlflowerr.ErrInvalid, "Exactly one of server_version or server_alias must be provided"},
		} {
			t.Run(c.name, func(t *testing.T) {
				ep, err := e.reg.CreateEndpoint(e.ctx, e.alice, name, mcpregistry.CreateEndpointInput{
					URL: "https://mcp.example.com/mail", ServerVersion: c.version, ServerAlias: c.alias})
				wantErr(t, err, c.kind, c.msg)
				if c.kind != nil {
					return
				}
				if ep.Resolved == nil || ep.Resolved.Version.Version != c.resolved || ep.TransportType != mcpregistry.TransportStreamableHTTP ||
					deref(ep.ServerVersion) != deref(c.version) || deref(ep.ServerAlias) != deref(c.alias) || deref(ep.CreatedBy) != "alice" {
					t.Errorf("created = %+v resolved %+v", ep.Endpoint, ep.Resolved)
				}
			})
		}
		_, err = e.reg.CreateEndpoint(e.ctx, e.alice, "io.github.acme/none", mcpregistry.CreateEndpointInput{URL: "https://x.example.com", ServerVersion: ptr("1.0.0")})
		wantErr(t, err, mlflowerr.ErrNotFound, "not found")

		// The resolved version carries its tools and aliases.
		ep := e.endpoint(name, nil, ptr("prod"))
		if string(ep.Resolved.Tools) != `[{"name":"send","inputSchema":{"type":"object"}}]` || len(ep.Resolved.Aliases) != 1 {
			t.Errorf("resolved = tools %s aliases %v", ep.Resolved.Tools, ep.Resolved.Aliases)
		}
	})
}

// TestEndpointsFromRemotes: registration can create one endpoint per
// concrete remote, in the same transaction.
func TestEndpointsFromRemotes(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/remote"
		in := mcpregistry.CreateVersionInput{
			ServerJSON: serverJSON(name, "1.0.0", `"remotes": [{"type": "sse", "url": "https://a.example.com/sse"}, `+
				`{"type": "streamable-http", "url": "https://{tenant}.example.com/mcp"}, {"url": "https://b.example.com/mcp"}]`),
			Status: ptr("active"), CreateEndpointsFromRemotes: true,
		}
		_, err := e.reg.CreateVersion(e.ctx, e.alice, name, in)
		e.must(err)
		s := e.server(name)
		if len(s.Endpoints) != 2 {
			t.Fatalf("%d endpoints, want 2 (the templated URL is skipped)", len(s.Endpoints))
		}
		got := map[string]string{}
		for _, ep := range s.Endpoints {
			got[ep.URL] = string(ep.TransportType) + "@" + deref(ep.ServerVersion)
		}
		if got["https://a.example.com/sse"] != "sse@1.0.0" || got["https://b.example.com/mcp"] != "streamable-http@1.0.0" {
			t.Errorf("endpoints from remotes = %v", got)
		}
	})
}

func TestUpdateEndpoint(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/chat"
		e.mustRegister(name, "1.0.0", "active")
		e.mustRegister(name, "2.0.0", "")
		e.mustRegister(name, "3.0.0", "")
		e.setStatus(name, "3.0.0", "deleted")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "2.0.0"))
		ep := e.endpoint(name, ptr("1.0.0"), nil)
		bob := scope.Scope{Workspace: "default", User: ptr("bob")}

		steps := []struct {
			name           string
			patch          mcpregistry.EndpointPatch
			version, alias string // the stored target after the step ("<nil>" when unset)
			resolved       string
			kind           error
			msg            string
		}{
			{"to an alias clears the version", mcpregistry.EndpointPatch{ServerAlias: ptr("prod")}, "<nil>", "prod", "2.0.0", nil, ""},
			{"to a version clears the alias", mcpregistry.EndpointPatch{ServerVersion: ptr("1.0.0")}, "1.0.0", "<nil>", "1.0.0", nil, ""},
			{"to latest", mcpregistry.EndpointPatch{ServerAlias: ptr("latest")}, "<nil>", "latest", "1.0.0", nil, ""},
			{"url and transport keep the target", mcpregistry.EndpointPatch{
				URL: mcpregistry.Field[string]{Set: true, Value: ptr("https://chat.example.com/sse")}, TransportType: ptr("sse")},
				"<nil>", "latest", "1.0.0", nil, ""},
			{"both targets", mcpregistry.EndpointPatch{ServerVersion: ptr("1.0.0"), ServerAlias: ptr("prod")}, "<nil>", "latest", "1.0.0",
				mlflowerr.ErrInvalid, "Cannot set both server_version and server_alias in a single update"},
			{"deleted version", mcpregistry.EndpointPatch{ServerVersion: ptr("3.0.0")}, "<nil>", "latest", "1.0.0",
				mlflowerr.ErrInvalid, "Cannot update MCP access endpoint to deleted MCP server version"},
			{"missing alias", mcpregistry.EndpointPatch{ServerAlias: ptr("nope")}, "<nil>", "latest", "1.0.0",
				mlflowerr.ErrNotFound, "Alias 'nope' not found"},
		}
		for i, s := range steps {
			e.at(t0 + 1000*int64(i+1))
			got, err := e.reg.UpdateEndpoint(e.ctx, bob, name, ep.ID, s.patch)
			wantErr(t, err, s.kind, s.msg)
			if err == nil && (got.LastUpdatedAt != t0+1000*int64(i+1) || deref(got.LastUpdatedBy) != "bob") {
				t.Errorf("%s: last updated %d by %s", s.name, got.LastUpdatedAt, deref(got.LastUpdatedBy))
			}
			cur, err := e.reg.GetEndpoint(e.ctx, e.alice, name, ep.ID)
			e.must(err)
			if deref(cur.ServerVersion) != s.version || deref(cur.ServerAlias) != s.alias || cur.Resolved.Version.Version != s.resolved {
				t.Errorf("%s: stored %s/%s resolving to %s, want %s/%s -> %s", s.name, deref(cur.ServerVersion),
					deref(cur.ServerAlias), cur.Resolved.Version.Version, s.version, s.alias, s.resolved)
			}
		}
		if cur, _ := e.reg.GetEndpoint(e.ctx, e.alice, name, ep.ID); cur.URL != "https://chat.example.com/sse" || cur.TransportType != "sse" {
			t.Errorf("url/transport = %s %s", cur.URL, cur.TransportType)
		}
	})
}

// TestEndpointVisibility: reads show an endpoint only while its target
// resolves; an unresolvable one can still be edited and deleted by id.
func TestEndpointVisibility(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name, other = "io.github.acme/vis", "io.github.acme/vis-other"
		e.mustRegister(name, "1.0.0", "")
		e.mustRegister(other, "1.0.0", "")
		onLatest := e.endpoint(name, nil, ptr("latest"))

		// latest follows publication.
		e.mustRegister(name, "0.5.0", "active")
		if got, _ := e.reg.GetEndpoint(e.ctx, e.alice, name, onLatest.ID); got.Resolved.Version.Version != "0.5.0" {
			t.Errorf("latest endpoint resolves to %s, want the active 0.5.0", got.Resolved.Version.Version)
		}

		// Foreign server and workspace.
		_, err := e.reg.GetEndpoint(e.ctx, e.alice, other, onLatest.ID)
		wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint "+onLatest.ID+" does not belong to server 'io.github.acme/vis-other'")
		_, err = e.reg.UpdateEndpoint(e.ctx, scope.Scope{Workspace: "elsewhere"}, name, onLatest.ID, mcpregistry.EndpointPatch{})
		wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint "+onLatest.ID+" not found")
		_, err = e.reg.GetEndpoint(e.ctx, e.alice, name, "ae-missing")
		wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint ae-missing not found")

		// A latest endpoint left on a server whose versions were all
		// PATCHed to deleted resolves to nothing: hidden, but editable.
		e.rawExec("UPDATE mcp_server_versions SET status = 'deleted' WHERE name = $1", name)
		_, err = e.reg.GetEndpoint(e.ctx, e.alice, name, onLatest.ID)
		wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint "+onLatest.ID+" not found")
		if s := e.server(name); len(s.Endpoints) != 0 {
			t.Errorf("server view shows %d unresolvable endpoints", len(s.Endpoints))
		}
		if p, _ := e.reg.SearchEndpoints(e.ctx, e.alice, nil, mcpregistry.EndpointSearchRequest{}); len(p.Items) != 0 {
			t.Errorf("search shows %d unresolvable endpoints", len(p.Items))
		}
		upd, err := e.reg.UpdateEndpoint(e.ctx, e.alice, name, onLatest.ID, mcpregistry.EndpointPatch{TransportType: ptr("sse")})
		e.must(err)
		if upd.Resolved != nil || upd.TransportType != "sse" {
			t.Errorf("update of an unresolvable endpoint = %+v resolved %v", upd.Endpoint, upd.Resolved)
		}
		e.must(e.reg.DeleteEndpoint(e.ctx, e.alice, name, onLatest.ID))
		if e.count("mcp_access_endpoints", "id = $1", onLatest.ID) != 0 {
			t.Error("delete left the endpoint")
		}
	})
}
