package tracking

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func TestDecodeLinkRequest(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		trace   string
		refs    []VersionRef
		wantErr string // "" for success
	}{
		{"ok", `{"trace_id": "tr-1", "mcp_server_versions": [{"name": "a.b/c", "version": "1.0.0"}]}`,
			"tr-1", []VersionRef{{"a.b/c", "1.0.0"}}, ""},
		{"empty list", `{"trace_id": "tr-1", "mcp_server_versions": []}`, "tr-1", []VersionRef{}, ""},
		{"unknown fields ignored", `{"trace_id": "tr-1", "mcp_server_versions": [], "x": 1}`, "tr-1", []VersionRef{}, ""},
		{"no body", ``, "", nil, "Invalid request: Field required"},
		{"not an object", `[1]`, "", nil,
			"Invalid request: Input should be a valid dictionary or object to extract fields from"},
		{"both missing", `{}`, "", nil,
			"Invalid request: trace_id: Field required; mcp_server_versions: Field required"},
		{"wrong types", `{"trace_id": 5, "mcp_server_versions": {"name": "a"}}`, "", nil,
			"Invalid request: trace_id: Input should be a valid string; mcp_server_versions: Input should be a valid list"},
		{"null list", `{"trace_id": "tr-1", "mcp_server_versions": null}`, "", nil,
			"Invalid request: mcp_server_versions: Input should be a valid list"},
		{"bad items", `{"trace_id": "tr-1", "mcp_server_versions": [1, {"name": "a.b/c"}, {"name": null, "version": 2}]}`, "", nil,
			"Invalid request: mcp_server_versions.0: Input should be a valid dictionary or object to extract fields from; " +
				"mcp_server_versions.1.version: Field required; mcp_server_versions.2.name: Input should be a valid string; " +
				"mcp_server_versions.2.version: Input should be a valid string"},
		{"duplicate key", `{"trace_id": "tr-1", "trace_id": "tr-2", "mcp_server_versions": []}`, "", nil,
			"Invalid request: trace_id: Duplicate key in JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/3.0/mlflow/traces/link-mcp-server-versions", strings.NewReader(tt.body))
			trace, refs, err := decodeLinkRequest(r)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, mlflowerr.ErrInvalid) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || trace != tt.trace || !slices.Equal(refs, tt.refs) {
				t.Fatalf("got %q %v %v, want %q %v", trace, refs, err, tt.trace, tt.refs)
			}
		})
	}
}
