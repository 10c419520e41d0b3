package store_test

import (
	"encoding/json"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

func TestServerCRUD(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/weather"
		icons := json.RawMessage(`[{"src": "https://acme.example.com/icon.png", "mimeType": "image/png"}]`)
		created, err := e.reg.CreateServer(e.ctx, e.alice, mcpregistry.CreateServerInput{Name: name, Description: ptr("Forecasts"), Icons: icons})
		e.must(err)
		if created.Name != name || deref(created.Description) != "Forecasts" || deref(created.CreatedBy) != "alice" ||
			created.CreatedAt != t0 || created.LastUpdatedAt != t0 || created.Latest != nil {
			t.Fatalf("created = %+v", created.Server)
		}
		if got := string(created.Icons); got != `[{"src":"https://acme.example.com/icon.png","mimeType":"image/png"}]` {
			t.Errorf("stored icons = %s", got)
		}
		if len(created.Aliases) != 0 || len(created.Tags) != 0 || len(created.Endpoints) != 0 || created.Aliases == nil ||
			created.Tags == nil || created.Endpoints == nil {
			t.Errorf("an empty server has empty, non-nil lists: %+v", created)
		}

		bob := scope.Scope{Workspace: "default", User: ptr("bob")}
		e.at(t0 + 100)
		updated, err := e.reg.UpdateServer(e.ctx, bob, name, mcpregistry.ServerPatch{
			DisplayName: mcpregistry.Field[string]{Set: true, Value: ptr("Weather")},
			Icons:       mcpregistry.Field[json.RawMessage]{Set: true}, // JSON null: the column becomes NULL
		})
		e.must(err)
		if deref(updated.DisplayName) != "Weather" || deref(updated.Description) != "Forecasts" || updated.Icons != nil ||
			deref(updated.LastUpdatedBy) != "bob" || deref(updated.CreatedBy) != "alice" ||
			updated.LastUpdatedAt != t0+100 || updated.CreatedAt != t0 {
			t.Fatalf("updated = %+v", updated.Server)
		}
		got := e.server(name)
		if deref(got.DisplayName) != "Weather" || got.Icons != nil || got.LastUpdatedAt != t0+100 {
			t.Errorf("get after update = %+v", got.Server)
		}

		for _, c := range []struct {
			name string
			err  error
			kind error
			msg  string
		}{
			{"duplicate", second(e.reg.CreateServer(e.ctx, e.alice, mcpregistry.CreateServerInput{Name: name})),
				mlflowerr.ErrAlreadyExists, "MCP server with name 'io.github.acme/weather' already exists"},
			{"invalid name", second(e.reg.CreateServer(e.ctx, e.alice, mcpregistry.CreateServerInput{Name: "weather"})),
				mlflowerr.ErrInvalid, "Invalid MCP server name"},
			{"get missing", second(e.reg.GetServer(e.ctx, e.alice, "io.github.acme/none")),
				mlflowerr.ErrNotFound, "MCP server 'io.github.acme/none' not found"},
			{"update missing", second(e.reg.UpdateServer(e.ctx, e.alice, "io.github.acme/none", mcpregistry.ServerPatch{})),
				mlflowerr.ErrNotFound, "not found"},
			{"delete missing", e.reg.DeleteServer(e.ctx, e.alice, "io.github.acme/none"), mlflowerr.ErrNotFound, "not found"},
		} {
			t.Run(c.name, func(t *testing.T) { wantErr(t, c.err, c.kind, c.msg) })
		}

		e.must(e.reg.DeleteServer(e.ctx, e.alice, name))
		_, err = e.reg.GetServer(e.ctx, e.alice, name)
		wantErr(t, err, mlflowerr.ErrNotFound, "")
		// The name is free again once the server is gone.
		_, err = e.reg.CreateServer(e.ctx, e.alice, mcpregistry.CreateServerInput{Name: name})
		e.must(err)
	})
}

// second returns the error of a (value, error) pair.
func second[T any](_ T, err error) error { return err }

// TestServerDerivedFields: status, latest_version and the description
// fallback all follow the resolved latest version.
func TestServerDerivedFields(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/maps"
		in := mcpregistry.CreateVersionInput{ServerJSON: serverJSON(name, "1.0.0", `"description": "Maps from server.json"`)}
		_, err := e.reg.CreateVersion(e.ctx, e.alice, name, in)
		e.must(err)
		e.mustRegister(name, "2.0.0", "")

		steps := []struct {
			step        string
			do          func()
			latest      string // "" for none
			status      string
			description string
		}{
			{"two drafts: the higher", func() {}, "2.0.0", "draft", "<nil>"},
			{"active beats a higher draft", func() { e.setStatus(name, "1.0.0", "active") }, "1.0.0", "active", "Maps from server.json"},
			{"stored description wins", func() {
				_, err := e.reg.UpdateServer(e.ctx, e.alice, name, mcpregistry.ServerPatch{
					Description: mcpregistry.Field[string]{Set: true, Value: ptr("Stored")}})
				e.must(err)
			}, "1.0.0", "active", "Stored"},
			{"null description falls back again", func() {
				_, err := e.reg.UpdateServer(e.ctx, e.alice, name, mcpregistry.ServerPatch{Description: mcpregistry.Field[string]{Set: true}})
				e.must(err)
			}, "1.0.0", "active", "Maps from server.json"},
			{"deprecated ranks with drafts", func() { e.setStatus(name, "1.0.0", "deprecated") }, "2.0.0", "draft", "<nil>"},
			{"no live version", func() {
				e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, "2.0.0"))
				e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, "1.0.0"))
			}, "", "", "<nil>"},
		}
		for _, s := range steps {
			s.do()
			v := e.server(name)
			latest, status := "", ""
			if v.Latest != nil {
				latest = v.Latest.Version
			}
			if st := v.Status(); st != nil {
				status = string(*st)
			}
			if latest != s.latest || status != s.status || deref(v.EffectiveDescription()) != s.description {
				t.Errorf("%s: latest %q status %q description %q, want %q %q %q", s.step, latest, status,
					deref(v.EffectiveDescription()), s.latest, s.status, s.description)
			}
		}
	})
}

// TestWorkspaceIsolation: the same names in two workspaces are two servers,
// and nothing in one is visible or reachable from the other.
func TestWorkspaceIsolation(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/shared"
		other := scope.Scope{Workspace: "team-b", User: ptr("carol")}
		e.mustRegister(name, "1.0.0", "active")
		_, err := e.register(other, name, "1.0.0", "draft")
		e.must(err)
		_, err = e.register(other, name, "3.0.0", "draft")
		e.must(err)
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.0.0"))
		e.must(e.reg.SetServerTag(e.ctx, other, name, mcpregistry.Tag{Key: "team", Value: ptr("b")}))
		ep := e.endpoint(name, ptr("1.0.0"), nil)

		a := e.server(name)
		b, err := e.reg.GetServer(e.ctx, other, name)
		e.must(err)
		if a.Latest.Version != "1.0.0" || len(a.Aliases) != 1 || len(a.Tags) != 0 || len(a.Endpoints) != 1 {
			t.Errorf("default workspace view = latest %s aliases %v tags %v endpoints %d", a.Latest.Version, a.Aliases, a.Tags, len(a.Endpoints))
		}
		if b.Workspace != "team-b" || b.Latest.Version != "3.0.0" || len(b.Aliases) != 0 || len(b.Tags) != 1 || len(b.Endpoints) != 0 {
			t.Errorf("team-b view = latest %s aliases %v tags %v endpoints %d", b.Latest.Version, b.Aliases, b.Tags, len(b.Endpoints))
		}
		_, err = e.reg.GetEndpoint(e.ctx, other, name, ep.ID)
		wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint "+ep.ID+" not found")
		err = e.reg.DeleteEndpoint(e.ctx, other, name, ep.ID)
		wantErr(t, err, mlflowerr.ErrNotFound, "")
		_, err = e.reg.GetVersionByAlias(e.ctx, other, name, "prod")
		wantErr(t, err, mlflowerr.ErrNotFound, "Alias 'prod' not found")

		for _, c := range []struct {
			who   scope.Scope
			count int
		}{{e.alice, 1}, {other, 1}, {scope.Scope{Workspace: "empty"}, 0}} {
			p, err := e.reg.SearchServers(e.ctx, c.who, mcpregistry.SearchRequest{})
			e.must(err)
			vs, verr := e.reg.SearchVersions(e.ctx, c.who, name, mcpregistry.SearchRequest{})
			eps, err2 := e.reg.SearchEndpoints(e.ctx, c.who, nil, mcpregistry.EndpointSearchRequest{})
			e.must(err2)
			if len(p.Items) != c.count {
				t.Errorf("%s: %d servers, want %d", c.who.Workspace, len(p.Items), c.count)
			}
			if c.count == 0 {
				wantErr(t, verr, mlflowerr.ErrNotFound, "")
				continue
			}
			e.must(verr)
			wantVersions := map[string]int{"default": 1, "team-b": 2}[c.who.Workspace]
			wantEndpoints := map[string]int{"default": 1, "team-b": 0}[c.who.Workspace]
			if len(vs.Items) != wantVersions || len(eps.Items) != wantEndpoints {
				t.Errorf("%s: %d versions, %d endpoints; want %d, %d", c.who.Workspace, len(vs.Items), len(eps.Items), wantVersions, wantEndpoints)
			}
		}
		// Deleting one workspace's server leaves the other's intact.
		e.must(e.reg.DeleteServer(e.ctx, other, name))
		e.server(name)
	})
}
