package migrations_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// The registry's rows for the hand-over tests are written and read through
// the real service and store, as a running sidecar would.

var (
	alice = scope.Scope{Workspace: "default", User: ptr("alice")}
	teamA = scope.Scope{Workspace: "team-a"} // no user: NULL created_by
)

// registryNames are the servers seedRegistry writes in each workspace.
var registryNames = []string{"io.acme/weather", "io.acme/bare"}

func ptr[T any](v T) *T { return &v }

// registryOn is the registry service on a new connection to uri, as a
// sidecar started after a hand-over step would open it.
func registryOn(t *testing.T, uri mlflowdb.URI) *mcpregistry.Registry {
	return mcpregistry.New(mcpregistry.Config{
		Store: store.New(dbtest.Open(t, uri)),
		Icons: &mcpspec.IconPolicy{AllowPrivateIPs: true}, // no DNS in tests
	})
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// seedRegistry writes every kind of MCP row in two workspaces: servers with
// and without versions, versions in each status (one soft-deleted), server
// and version tags (one NULL value), aliases, and endpoints on a version, an
// alias, the latest version and the deleted version.
func seedRegistry(t *testing.T, reg *mcpregistry.Registry) {
	ctx := ctxT(t)
	for _, a := range []scope.Scope{alice, teamA} {
		const name = "io.acme/weather"
		_, err := reg.CreateServer(ctx, a, mcpregistry.CreateServerInput{Name: name, Description: ptr("Forecasts, ünïcode"),
			Icons: json.RawMessage(`[{"src": "https://icons.example.com/weather.png", "mimeType": "image/png"}]`)})
		must(t, "create server", err)
		_, err = reg.UpdateServer(ctx, a, name, mcpregistry.ServerPatch{
			DisplayName: mcpregistry.Field[string]{Set: true, Value: ptr("Weather")}})
		must(t, "update server", err)
		_, err = reg.CreateServer(ctx, a, mcpregistry.CreateServerInput{Name: "io.acme/bare"})
		must(t, "create bare server", err)

		for _, v := range []struct{ version, status string }{
			{"0.9.0", "draft"}, {"1.0.0", "active"}, {"1.1.0-beta.1", "draft"}, {"2.0.0", "active"},
		} {
			_, err := reg.CreateVersion(ctx, a, name, mcpregistry.CreateVersionInput{
				ServerJSON: json.RawMessage(fmt.Sprintf(`{"name": %q, "version": %q, "description": "v%s"}`, name, v.version, v.version)),
				Status:     ptr(v.status), Source: ptr("https://github.com/acme/weather"), DisplayName: ptr("Weather " + v.version),
				Tools: json.RawMessage(`[{"name": "forecast", "inputSchema": {"type": "object"}}]`),
			})
			must(t, "create version "+v.version, err)
		}
		must(t, "server tag", reg.SetServerTag(ctx, a, name, mcpregistry.Tag{Key: "team", Value: ptr("platform")}))
		must(t, "null server tag", reg.SetServerTag(ctx, a, name, mcpregistry.Tag{Key: "flag"}))
		must(t, "version tag", reg.SetVersionTag(ctx, a, name, "1.0.0", mcpregistry.Tag{Key: "reviewed", Value: ptr("yes")}))
		must(t, "deleted version's tag", reg.SetVersionTag(ctx, a, name, "0.9.0", mcpregistry.Tag{Key: "note", Value: ptr("old")}))
		must(t, "alias", reg.SetAlias(ctx, a, name, "prod", "1.0.0"))
		must(t, "alias", reg.SetAlias(ctx, a, name, "old", "0.9.0"))
		for _, ep := range []mcpregistry.CreateEndpointInput{
			{URL: "https://mcp.example.com/weather/1", ServerVersion: ptr("1.0.0")},
			{URL: "https://mcp.example.com/weather/prod", ServerAlias: ptr("prod"), TransportType: ptr("sse")},
			{URL: "https://mcp.example.com/weather/latest", ServerAlias: ptr("latest")},
			{URL: "https://mcp.example.com/weather/old", ServerVersion: ptr("0.9.0")},
		} {
			_, err := reg.CreateEndpoint(ctx, a, name, ep)
			must(t, "endpoint "+ep.URL, err)
		}
		for _, step := range []struct{ version, status string }{
			{"0.9.0", "deleted"}, {"2.0.0", "deprecated"},
		} {
			_, err := reg.UpdateVersion(ctx, a, name, step.version, mcpregistry.VersionPatch{Status: ptr(step.status)})
			must(t, step.version+" -> "+step.status, err)
		}
	}
}

// registryViews renders everything the native and official APIs show of the
// seeded servers, deleted versions included.
func registryViews(t *testing.T, reg *mcpregistry.Registry) string {
	t.Helper()
	ctx := ctxT(t)
	var b strings.Builder
	add := func(label string, v any, err error) {
		t.Helper()
		must(t, label, err)
		j, err := json.Marshal(v)
		must(t, label, err)
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	for _, a := range []scope.Scope{alice, teamA} {
		ws := a.Workspace + " "
		servers, err := reg.SearchServers(ctx, a, mcpregistry.SearchRequest{})
		add(ws+"servers", servers, err)
		endpoints, err := reg.SearchEndpoints(ctx, a, nil, mcpregistry.EndpointSearchRequest{})
		add(ws+"endpoints", endpoints, err)
		published, _, err := reg.ListPublished(ctx, a, mcpregistry.PublishedQuery{IncludeDeleted: true, Limit: 100})
		add(ws+"published incl. deleted", published, err)
		for _, name := range registryNames {
			server, err := reg.GetServer(ctx, a, name)
			add(ws+name, server, err)
			versions, err := reg.SearchVersions(ctx, a, name, mcpregistry.SearchRequest{})
			add(ws+name+" versions", versions, err)
		}
		prod, err := reg.GetVersionByAlias(ctx, a, "io.acme/weather", "prod")
		add(ws+"prod", prod, err)
	}
	return b.String()
}
