package store_test

import (
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// TestRowsMLflowWrote: rows written the way MLflow writes them (SQLAlchemy
// JSON columns hold json.dumps output, with its ", " and ": " spacing; NULL
// users; a NULL tag value) read back through the service unchanged, and the
// service can keep working on them.
func TestRowsMLflowWrote(t *testing.T) {
	const (
		name       = "io.mlflow/native"
		icons      = `[{"src": "https://mlflow.example.com/icon.png", "sizes": ["48x48"], "mimeType": "image/png"}]`
		serverJSON = `{"name": "io.mlflow/native", "version": "1.0.0", "description": "Written by MLflow", ` +
			`"remotes": [{"type": "sse", "url": "https://mlflow.example.com/sse"}]}`
		rcJSON = `{"name": "io.mlflow/native", "version": "1.1.0-rc.1"}`
		tools  = `[{"name": "lookup", "inputSchema": {"type": "object", "properties": {}}}]`
	)
	rc, err := mcpregistry.ParseVersion("1.1.0-rc.1")
	if err != nil {
		t.Fatal(err)
	}
	forDialects(t, func(t *testing.T, e *env) {
		e.rawExec(`INSERT INTO mcp_servers (workspace, name, display_name, description, icons, created_by, last_updated_by,
			created_at, last_updated_at) VALUES ('default', $1, NULL, NULL, $2, NULL, NULL, 1715000000000, 1715000000000)`, name, icons)
		e.rawExec(`INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, version_patch,
			version_prerelease_sort_key, server_json, display_name, status, tools, source, created_by, last_updated_by, created_at,
			last_updated_at) VALUES ('default', $1, '1.0.0', 1, 0, 0, '2', $2, NULL, 'active', $3, NULL, NULL, NULL,
			1715000000001, 1715000000001)`, name, serverJSON, tools)
		e.rawExec(`INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, version_patch,
			version_prerelease_sort_key, server_json, status, created_at, last_updated_at)
			VALUES ('default', $1, '1.1.0-rc.1', 1, 1, 0, $2, $3, 'draft', 1715000000002, 1715000000002)`, name, rc.SortKey(), rcJSON)
		e.rawExec(`INSERT INTO mcp_server_tags (workspace, name, "key", value) VALUES ('default', $1, 'owner', NULL)`, name)
		e.rawExec(`INSERT INTO mcp_server_aliases (workspace, name, alias, version) VALUES ('default', $1, 'prod', '1.0.0')`, name)
		e.rawExec(`INSERT INTO mcp_access_endpoints (id, workspace, server_name, server_version, server_alias, url, transport_type,
			created_by, last_updated_by, created_at, last_updated_at) VALUES ('ae-0123456789abcdef0123456789abcdef', 'default', $1,
			NULL, 'prod', 'https://mlflow.example.com/sse', 'sse', NULL, NULL, 1715000000003, 1715000000003)`, name)

		s := e.server(name)
		if string(s.Icons) != icons || s.CreatedBy != nil || s.Latest == nil || s.Latest.Version != "1.0.0" ||
			string(s.Latest.ServerJSON) != serverJSON || string(s.Latest.Tools) != tools {
			t.Fatalf("server = %+v latest %+v", s.Server, s.Latest)
		}
		if deref(s.EffectiveDescription()) != "Written by MLflow" {
			t.Errorf("description fallback = %s", deref(s.EffectiveDescription()))
		}
		if len(s.Tags) != 1 || s.Tags[0].Key != "owner" || s.Tags[0].Value != nil {
			t.Errorf("tags = %v", s.Tags)
		}
		if len(s.Endpoints) != 1 || s.Endpoints[0].Resolved.Version.Version != "1.0.0" ||
			string(s.Endpoints[0].Resolved.ServerJSON) != serverJSON || s.Endpoints[0].TransportType != "sse" {
			t.Errorf("endpoints = %+v", s.Endpoints)
		}
		rcView, err := e.reg.GetVersion(e.ctx, e.alice, name, "1.1.0-rc.1")
		e.must(err)
		if string(rcView.ServerJSON) != rcJSON || rcView.Tools != nil || rcView.PrereleaseSortKey != rc.SortKey() {
			t.Errorf("rc = %+v", rcView.Version)
		}
		p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{Filter: "status = 'active' AND has_access_endpoints = 'true'"})
		e.must(err)
		if len(p.Items) != 1 || string(p.Items[0].Latest.ServerJSON) != serverJSON {
			t.Errorf("search = %d items", len(p.Items))
		}

		// The service works on the rows: retire 1.0.0, the rc becomes latest,
		// and the alias (and its endpoint) move with a SetAlias.
		e.setStatus(name, "1.0.0", "deprecated")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.1.0-rc.1"))
		s = e.server(name)
		if s.Latest.Version != "1.1.0-rc.1" || s.Endpoints[0].Resolved.Version.Version != "1.1.0-rc.1" {
			t.Errorf("after the changes: latest %s (draft and deprecated rank alike: the higher rc), endpoint on %s",
				s.Latest.Version, s.Endpoints[0].Resolved.Version.Version)
		}
		e.mustRegister(name, "1.2.0", "active")
		if got := e.server(name).Latest.Version; got != "1.2.0" {
			t.Errorf("latest after registering 1.2.0 = %s", got)
		}
	})
}
