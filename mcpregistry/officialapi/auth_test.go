package officialapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// TestAnonymousTokens: tokens are issued only without authentication, and
// then every write needs a valid one.
func TestAnonymousTokens(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		var tok officialapi.TokenResponse
		for _, p := range []string{"/v0/auth/none", "/v0.1/auth/none", staticPrefix + "/v0/auth/none"} {
			r := e.do(http.MethodPost, p, "", nil)
			if r.status != 200 || json.Unmarshal(r.body, &tok) != nil || tok.ExpiresAt != e.now.Load()/1000+300 {
				t.Fatalf("%s: %d %s", p, r.status, r.body)
			}
		}
		parts := strings.Split(tok.RegistryToken, ".")
		forged := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		// A token of another process (another random key).
		other, err := officialapi.New(e.reg, officialapi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		other.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v0/auth/none", nil))
		var foreign officialapi.TokenResponse
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &foreign) != nil {
			t.Fatalf("other handler: %d %s", rec.Code, rec.Body)
		}
		publish := func(name string, headers ...string) response {
			return e.do(http.MethodPost, "/v0/publish", "", serverJSON(name, "1.0.0"), headers...)
		}
		tests := []struct {
			header string
			status int
			detail string
		}{
			{"", 422, "validation failed"},
			{"Authorization: Token " + tok.RegistryToken, 401, "Invalid Authorization header format. Expected 'Bearer <token>'"},
			{"Authorization: Bearer", 401, ""},
			{"Authorization: Bearer not-a-token", 401, "Invalid or expired Registry JWT token"},
			{"Authorization: Bearer " + forged, 401, "Invalid or expired Registry JWT token"},
			{"Authorization: Bearer " + foreign.RegistryToken, 401, "Invalid or expired Registry JWT token"},
			{"Authorization: Bearer " + parts[0] + "." + parts[1] + "x." + parts[2], 401, ""},
			{"Authorization: Bearer " + parts[0] + "." + parts[1] + "." + parts[2][1:], 401, ""},
		}
		for _, tt := range tests {
			var h []string
			if tt.header != "" {
				h = append(h, tt.header)
			}
			expectProblem(t, publish("io.t/refused", h...), tt.status, tt.detail)
		}
		if r := publish("io.t/ok1", "Authorization: bearer "+tok.RegistryToken); r.status != 200 {
			t.Fatalf("valid token: %d %s", r.status, r.body)
		}
		e.advance(officialapi.TokenTTL.Milliseconds())
		expectProblem(t, publish("io.t/late", "Authorization: Bearer "+tok.RegistryToken), 401, "Invalid or expired Registry JWT token")
		if got := keysOf(t, e.get("/v0.1/servers", "")); len(got) != 1 || got[0].name != "io.t/ok1" {
			t.Fatalf("refused writes left rows: %v", got)
		}

		// With authentication on, no anonymous token; the sidecar's
		// authentication admits writes, as for the native API.
		e.mode.Store(int32(officialapi.AuthOn))
		r := e.do(http.MethodPost, "/v0/auth/none", "", nil)
		if p := expectProblem(t, r, 403, ""); !strings.Contains(p.Detail, "Anonymous tokens are refused") {
			t.Fatalf("detail %q", p.Detail)
		}
		if r := publish("io.t/alice"); r.status != 401 {
			t.Fatalf("no credentials: %d %s", r.status, r.body)
		}
		if r := publish("io.t/alice", "Authorization: Basic YWxpY2U6cHc="); r.status != 200 {
			t.Fatalf("with credentials: %d %s", r.status, r.body)
		}
		v, err := e.reg.GetVersion(e.ctx, scope.Scope{Workspace: "default"}, "io.t/alice", "1.0.0")
		if err != nil || v.CreatedBy == nil || *v.CreatedBy != "alice" || v.Status != mcpregistry.StatusActive {
			t.Fatalf("published as %+v, %v", v, err)
		}
		e.mode.Store(int32(officialapi.AuthUnknown))
		expectProblem(t, e.do(http.MethodPost, "/v0/auth/none", "", nil), 503, "")
	})
}

// TestPublish: POST /publish registers an active version with the native
// API's validation; rejections are 400 "Failed to publish server" with the
// reason as the finding.
func TestPublish(t *testing.T) {
	long := `{"name":"io.t/long","version":"1.0.0","description":"` + strings.Repeat("d", 101) + `",` +
		`"$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"}`
	tests := []struct {
		name   string
		body   string
		status int
		detail string
	}{
		{"registers", string(serverJSON("io.t/pub", "1.0.0")), 200, ""},
		{"second version", string(serverJSON("io.t/pub", "1.1.0")), 200, ""},
		{"duplicate version", string(serverJSON("io.t/pub", "1.0.0")), 400, "Failed to publish server"},
		{"schema violation", long, 400, "Failed to publish server"},
		{"bad name", string(serverJSON("not-reverse-dns", "1.0.0")), 400, "Failed to publish server"},
		{"version range", string(serverJSON("io.t/pub", "^1.0.0")), 400, "Failed to publish server"},
		{"no name", `{"version":"1.0.0","description":"x"}`, 400, "Failed to publish server"},
		{"not JSON", `{"name":`, 400, "validation failed"},
		{"not an object", `"io.t/pub"`, 422, "validation failed"},
		{"empty", ``, 400, "request body is required"},
		{"hostile nesting", `{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, 400, "validation failed"},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		for _, tt := range tests {
			r := e.do(http.MethodPost, "/v0.1/publish", "team-a", []byte(tt.body), "Authorization: Bearer "+e.token())
			if tt.status != 200 {
				p := expectProblem(t, r, tt.status, tt.detail)
				if tt.detail == "Failed to publish server" && (len(p.Errors) != 1 || p.Errors[0].Message == "") {
					t.Fatalf("%s: no reason given: %s", tt.name, r.body)
				}
				continue
			}
			if r.status != 200 {
				t.Fatalf("%s: %d %s", tt.name, r.status, r.body)
			}
			up, ours := decodeItem(t, r.body)
			if up.Meta.Official.Status != "active" || !up.Meta.Official.IsLatest || ours.Meta.Registry.Workspace != "team-a" {
				t.Fatalf("%s: %s", tt.name, r.body)
			}
			var got, sent any
			if json.Unmarshal(ours.Server, &got) != nil || json.Unmarshal([]byte(tt.body), &sent) != nil || !reflect.DeepEqual(got, sent) {
				t.Fatalf("%s: server %s, sent %s", tt.name, ours.Server, tt.body)
			}
		}
		if got := keysOf(t, e.get("/v0.1/servers", "team-a")); len(got) != 2 {
			t.Fatalf("team-a lists %v", got)
		}
		if got := keysOf(t, e.get("/v0.1/servers", "")); len(got) != 0 {
			t.Fatalf("default lists %v", got)
		}
	})
}
