package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/httpapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

var mcpTables = []string{"mcp_servers", "mcp_server_versions", "mcp_server_tags", "mcp_server_version_tags",
	"mcp_server_aliases", "mcp_access_endpoints"}

const base = "/api/3.0/mlflow/mcp-servers"

// TestBadInputChangesNothing sends hostile and malformed requests through the
// full own-route stack (body limit, workspace, handler, service, store):
// each must get a 4xx MLflow error that names the problem, and leave every
// MCP table exactly as it was.
func TestBadInputChangesNothing(t *testing.T) {
	big := `{"name": "com.example/big", "description": "` + strings.Repeat("x", 20<<20) + `"}`
	deep := strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000)
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		code, msgPart            string
	}{
		{"malformed JSON", "POST", base, `{"name": `, nil, 400, "INVALID_PARAMETER_VALUE", "JSON decode error"},
		{"trailing garbage", "POST", base, `{"name": "com.example/x"} {}`, nil, 400, "INVALID_PARAMETER_VALUE", "JSON decode error"},
		{"body is a list", "POST", base, `[{"name": "com.example/x"}]`, nil, 400, "INVALID_PARAMETER_VALUE", "valid dictionary"},
		{"wrong type", "POST", base, `{"name": 42}`, nil, 400, "INVALID_PARAMETER_VALUE", "name: Input should be a valid string"},
		{"duplicate key", "POST", base, `{"name": "com.example/aa", "name": "com.example/bb"}`, nil, 400, "INVALID_PARAMETER_VALUE", "name: Duplicate key"},
		{"nested duplicate key", "POST", base + "/com.example%2Fsrv/versions",
			`{"server_json": {"name": "com.example/srv", "version": "2.0.0", "remotes": [{"url": "https://a.example.com", "url": "https://b.example.com"}]}}`,
			nil, 400, "INVALID_PARAMETER_VALUE", "Duplicate key"},
		{"invalid UTF-8", "POST", base, "{\"name\": \"com.example/\xff\xfe\"}", nil, 400, "INVALID_PARAMETER_VALUE", "UTF-8"},
		{"deep nesting", "POST", base, deep, nil, 400, "INVALID_PARAMETER_VALUE", "nesting"},
		{"20 MiB body", "POST", base, big, nil, 413, "INVALID_PARAMETER_VALUE", "too large"},
		{"dot-dot in name", "POST", base, `{"name": "../etc/passwd"}`, nil, 400, "INVALID_PARAMETER_VALUE", "Invalid MCP server name"},
		{"dot-dot in path", "POST", base + "/..%2F..%2Fx/versions", `{"server_json": {"name": "../../x", "version": "1.0.0"}}`, nil, 400, "INVALID_PARAMETER_VALUE", "Invalid MCP server name"},
		{"NUL in name", "POST", base, `{"name": "com.example/a\u0000b"}`, nil, 400, "INVALID_PARAMETER_VALUE", "NUL"},
		{"NUL in tag value", "POST", base + "/com.example%2Fsrv/tags", `{"key": "k", "value": "a\u0000b"}`, nil, 400, "INVALID_PARAMETER_VALUE", "value: NUL"},
		{"NUL in path", "GET", base + "/com.example%2Fsrv/versions/1.0.0%00", "", nil, 400, "INVALID_PARAMETER_VALUE", "path"},
		{"invalid UTF-8 in path", "DELETE", base + "/com.example%2Fsrv/tags/%ff", "", nil, 400, "INVALID_PARAMETER_VALUE", "UTF-8"},
		{"NUL in query", "GET", base + "/endpoints?server_version=1%00", "", nil, 400, "INVALID_PARAMETER_VALUE", "server_version"},
		{"SQL in filter", "GET", base + "?filter_string=" + urlq(`name = 'x'; DROP TABLE mcp_servers; --`), "", nil, 400, "INVALID_PARAMETER_VALUE", ""},
		{"SQL in filter value", "GET", base + "?filter_string=" + urlq(`name = 'x'' OR ''1''=''1'`), "", nil, 200, "", ""},
		{"LIKE pattern ending in a backslash", "GET", base + "?filter_string=" + urlq(`name LIKE '%\'`), "", nil, 200, "", ""},
		{"ILIKE tag pattern ending in a backslash", "GET", base + "?filter_string=" + urlq(`tags.k ILIKE 'x\'`), "", nil, 200, "", ""},
		{"empty max_results", "GET", base + "?max_results=", "", nil, 400, "INVALID_PARAMETER_VALUE", "query.max_results"},
		{"last of repeated parameters wins", "GET", base + "?max_results=5&max_results=x", "", nil, 400, "INVALID_PARAMETER_VALUE", "query.max_results"},
		{"OR in filter", "GET", base + "?filter_string=" + urlq(`name = 'a' OR name = 'b'`), "", nil, 400, "INVALID_PARAMETER_VALUE", ""},
		{"tampered page token", "GET", base + "?page_token=AAAA", "", nil, 400, "INVALID_PARAMETER_VALUE", "page token"},
		{"max_results not a number", "GET", base + "?max_results=1e3", "", nil, 400, "INVALID_PARAMETER_VALUE", "query.max_results"},
		{"max_results too big", "GET", base + "?max_results=1001", "", nil, 400, "INVALID_PARAMETER_VALUE", "1000"},
		{"unknown order key", "GET", base + "?order_by=" + urlq("password DESC"), "", nil, 400, "INVALID_PARAMETER_VALUE", "order_by"},
		{"oversized server_json", "POST", base + "/com.example%2Fsrv/versions",
			`{"server_json": {"name": "com.example/srv", "version": "3.0.0", "x": "` + strings.Repeat("x", 2<<20) + `"}}`,
			nil, 400, "INVALID_PARAMETER_VALUE", "server_json is too large"},
		{"bad semver", "POST", base + "/com.example%2Fsrv/versions", `{"server_json": {"name": "com.example/srv", "version": "v1"}}`, nil, 400, "INVALID_PARAMETER_VALUE", "semantic version"},
		{"name mismatch", "POST", base + "/com.example%2Fsrv/versions", `{"server_json": {"name": "com.example/other", "version": "2.0.0"}}`, nil, 400, "INVALID_PARAMETER_VALUE", "does not match"},
		{"duplicate version", "POST", base + "/com.example%2Fsrv/versions", `{"server_json": {"name": "com.example/srv", "version": "1.0.0"}}`, nil, 400, "RESOURCE_ALREADY_EXISTS", "already exists"},
		{"javascript endpoint url", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "javascript:alert(1)", "server_version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "http or https"},
		{"relative endpoint url", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "/mcp", "server_version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "http or https"},
		{"credentials in endpoint url", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "https://u:p@mcp.example.com", "server_version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "credentials"},
		{"10 KiB endpoint url", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "https://mcp.example.com/` + strings.Repeat("a", 10<<10) + `", "server_version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "2048"},
		{"unknown transport", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "https://mcp.example.com", "server_version": "1.0.0", "transport_type": "stdio"}`, nil, 400, "INVALID_PARAMETER_VALUE", "streamable-http"},
		{"both targets", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "https://mcp.example.com", "server_version": "1.0.0", "server_alias": "prod"}`, nil, 400, "INVALID_PARAMETER_VALUE", "Exactly one"},
		{"neither target", "POST", base + "/com.example%2Fsrv/endpoints", `{"url": "https://mcp.example.com"}`, nil, 400, "INVALID_PARAMETER_VALUE", "Exactly one"},
		{"foreign endpoint id", "PATCH", base + "/com.example%2Fsrv/endpoints/ae-ffffffffffffffffffffffffffffffff", `{"url": "https://mcp.example.com/x"}`, nil, 404, "RESOURCE_DOES_NOT_EXIST", "ae-ffff"},
		{"tag key too long", "POST", base + "/com.example%2Fsrv/tags", `{"key": "` + strings.Repeat("k", 251) + `", "value": "v"}`, nil, 400, "INVALID_PARAMETER_VALUE", "key must be at most 250"},
		{"tag value too long", "POST", base + "/com.example%2Fsrv/tags", `{"key": "k", "value": "` + strings.Repeat("v", 5001) + `"}`, nil, 400, "INVALID_PARAMETER_VALUE", "value must be at most 5000"},
		{"reserved alias", "POST", base + "/com.example%2Fsrv/aliases", `{"alias": "latest", "version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "reserved"},
		{"alias to missing version", "POST", base + "/com.example%2Fsrv/aliases", `{"alias": "prod", "version": "9.9.9"}`, nil, 404, "RESOURCE_DOES_NOT_EXIST", "9.9.9"},
		{"invalid transition", "PATCH", base + "/com.example%2Fsrv/versions/1.0.0", `{"status": "deprecated"}`, nil, 400, "INVALID_PARAMETER_VALUE", "Invalid status transition"},
		{"latest_version is read-only", "PATCH", base + "/com.example%2Fsrv", `{"latest_version": "1.0.0"}`, nil, 400, "INVALID_PARAMETER_VALUE", "read-only"},
		{"workspace header while disabled", "POST", base, `{"name": "com.example/ws"}`, map[string]string{scope.WorkspaceHeader: "team-a"}, 400, "FEATURE_DISABLED", "not enabled"},
		{"invalid icon", "PATCH", base + "/com.example%2Fsrv", `{"icons": [{"src": "http://example.com/i.png"}]}`, nil, 400, "INVALID_PARAMETER_VALUE", "scheme"},
		{"invalid server.json schema", "POST", base + "/com.example%2Fsrv/versions",
			`{"server_json": {"$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json", "name": "com.example/srv", "version": "2.0.0", "description": "` + strings.Repeat("d", 101) + `"}}`,
			nil, 400, "INVALID_PARAMETER_VALUE", "server_json/description"},
		{"unknown $schema", "POST", base + "/com.example%2Fsrv/versions",
			`{"server_json": {"$schema": "https://example.com/schema.json", "name": "com.example/srv", "version": "2.0.0"}}`,
			nil, 400, "INVALID_PARAMETER_VALUE", "2025-12-11"},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		h := seededStack(t, uri)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := dbtest.TableChecksums(t, uri, mcpTables)
				req := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(c.body)))
				for k, v := range c.header {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.status {
					t.Fatalf("status %d, want %d: %.300s", rec.Code, c.status, rec.Body)
				}
				if c.status >= 400 {
					var body map[string]any
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
						t.Fatalf("not an MLflow error body: %.300s", rec.Body)
					}
					if body["error_code"] != c.code {
						t.Errorf("error_code %v, want %s (%v)", body["error_code"], c.code, body["message"])
					}
					if msg, _ := body["message"].(string); !strings.Contains(msg, c.msgPart) {
						t.Errorf("message %.300q does not mention %q", msg, c.msgPart)
					}
				}
				after := dbtest.TableChecksums(t, uri, mcpTables)
				for _, table := range mcpTables {
					if before[table] != after[table] {
						t.Errorf("%s changed", table)
					}
				}
			})
		}
	})
}

// seededStack is the own-route stack over uri with one server, one draft
// version 1.0.0 and an alias, as MLflow's middleware order has it.
func seededStack(t *testing.T, uri mlflowdb.URI) http.Handler {
	db := dbtest.Migrated(t, uri)
	reg := mcpregistry.New(mcpregistry.Config{Store: store.New(db), Icons: &mcpspec.IconPolicy{Resolver: publicResolver{}}})
	ctx, a := context.Background(), scope.Scope{Workspace: scope.DefaultWorkspace}
	if _, err := reg.CreateVersion(ctx, a, "com.example/srv", mcpregistry.CreateVersionInput{
		ServerJSON: json.RawMessage(`{"name": "com.example/srv", "version": "1.0.0"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetAlias(ctx, a, "com.example/srv", "prod", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	return sidecar.Own(httpapi.Handler(reg, httpapi.Options{}), sidecar.OwnOptions{
		Workspaces: workspaces.NewResolver(false, db), MaxBodyBytes: 16 << 20,
	})
}

func urlq(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "'", "%27", ";", "%3B", "=", "%3D", "&", "%26", "+", "%2B", "#", "%23")
	return r.Replace(s)
}
