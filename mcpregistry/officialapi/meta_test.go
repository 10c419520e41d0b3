package officialapi_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// TestRegistryMeta: our _meta key carries what MLflow keeps beside the
// server.json, and each access endpoint shows on the version it resolves to
// now (directly, through an alias, through "latest").
func TestRegistryMeta(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		a := scope.Scope{Workspace: "default"}
		const name = "io.t/meta"
		e.version(a.Workspace, name, "1.0.0", mcpregistry.StatusActive)
		active := string(mcpregistry.StatusActive)
		tools := json.RawMessage(`[{"name":"forecast","inputSchema":{"type":"object"}}]`)
		dn := "Weather 2"
		if _, err := e.reg.CreateVersion(e.ctx, a, name, mcpregistry.CreateVersionInput{
			ServerJSON: serverJSON(name, "2.0.0"), Status: &active, Tools: tools, DisplayName: &dn}); err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		prod, owner, reviewed := "prod", "ml-platform", "yes"
		must(e.reg.SetAlias(e.ctx, a, name, prod, "1.0.0"))
		must(e.reg.SetServerTag(e.ctx, a, name, mcpregistry.Tag{Key: "owner", Value: &owner}))
		must(e.reg.SetVersionTag(e.ctx, a, name, "1.0.0", mcpregistry.Tag{Key: "reviewed", Value: &reviewed}))
		v1, latest := "1.0.0", mcpregistry.LatestAlias
		ids := map[string]string{}
		for _, in := range []mcpregistry.CreateEndpointInput{
			{URL: "https://pinned.example.com/mcp", ServerVersion: &v1},
			{URL: "https://prod.example.com/mcp", ServerAlias: &prod},
			{URL: "https://latest.example.com/sse", ServerAlias: &latest},
		} {
			ep, err := e.reg.CreateEndpoint(e.ctx, a, name, in)
			must(err)
			ids[in.URL] = ep.ID
		}
		ep := func(url string, version, alias *string, transport string) officialapi.AccessEndpoint {
			return officialapi.AccessEndpoint{ID: ids[url], URL: url, TransportType: transport, ServerVersion: version, ServerAlias: alias}
		}
		want := map[string]*officialapi.Extension{
			"2.0.0": {Workspace: "default", DisplayName: &dn, Aliases: []string{},
				Tags: map[string]*string{}, ServerTags: map[string]*string{"owner": &owner}, Tools: tools,
				AccessEndpoints: []officialapi.AccessEndpoint{ep("https://latest.example.com/sse", nil, &latest, "streamable-http")}},
			"1.0.0": {Workspace: "default", Aliases: []string{"prod"},
				Tags: map[string]*string{"reviewed": &reviewed}, ServerTags: map[string]*string{"owner": &owner},
				Tools: json.RawMessage(`[]`), AccessEndpoints: []officialapi.AccessEndpoint{
					ep("https://pinned.example.com/mcp", &v1, nil, "streamable-http"),
					ep("https://prod.example.com/mcp", nil, &prod, "streamable-http")}},
		}
		_, ours := decodeList(t, e.get("/v0.1/servers/io.t%2Fmeta/versions", ""))
		if len(ours.Servers) != 2 {
			t.Fatalf("%d versions", len(ours.Servers))
		}
		for _, s := range ours.Servers {
			var doc struct{ Version string }
			must(json.Unmarshal(s.Server, &doc))
			got, w := s.Meta.Registry, want[doc.Version]
			sortEndpoints(got.AccessEndpoints)
			sortEndpoints(w.AccessEndpoints)
			var gotTools, wantTools any
			must(json.Unmarshal(got.Tools, &gotTools))
			must(json.Unmarshal(w.Tools, &wantTools))
			got.Tools, w.Tools = nil, nil
			if !reflect.DeepEqual(got, w) || !reflect.DeepEqual(gotTools, wantTools) {
				t.Fatalf("%s: %s\nwant %s", doc.Version, mustJSON(t, got), mustJSON(t, w))
			}
		}
		// Deprecating 2.0.0 makes 1.0.0 the latest: the "latest" endpoint
		// moves with it.
		dep := string(mcpregistry.StatusDeprecated)
		if _, err := e.reg.UpdateVersion(e.ctx, a, name, "2.0.0", mcpregistry.VersionPatch{Status: &dep}); err != nil {
			t.Fatal(err)
		}
		_, one := decodeItem(t, e.get("/v0.1/servers/io.t%2Fmeta/versions/latest", ""))
		if n := len(one.Meta.Registry.AccessEndpoints); n != 3 || !one.Meta.Official.IsLatest {
			t.Fatalf("latest after deprecation: %s", mustJSON(t, one.Meta))
		}
	})
}

func sortEndpoints(eps []officialapi.AccessEndpoint) {
	slices.SortFunc(eps, func(a, b officialapi.AccessEndpoint) int { return strings.Compare(a.URL, b.URL) })
}
