package officialapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// token logs in anonymously, as mcp-publisher login none does.
func (e *env) token() string {
	e.t.Helper()
	r := e.do(http.MethodPost, "/v0/auth/none", "", nil)
	var tok officialapi.TokenResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &tok) != nil || tok.RegistryToken == "" {
		e.t.Fatalf("anonymous login: %d %s", r.status, r.body)
	}
	return tok.RegistryToken
}

// patch sends a status change with a fresh anonymous token.
func (e *env) patch(path, body string) response {
	e.t.Helper()
	return e.do(http.MethodPatch, path, "", []byte(body), "Authorization: Bearer "+e.token())
}

// TestVersionStatusTransitions maps the official status changes onto
// MLflow's lifecycle, one step after another on the same version.
func TestVersionStatusTransitions(t *testing.T) {
	const path = "/v0.1/servers/io.t%2Fweather/versions/1.0.0/status"
	steps := []struct {
		body    string
		status  int
		want    mcpregistry.Status // after the step
		message string             // statusMessage shown after the step
		detail  string             // part of the problem's detail
	}{
		{`{"status":"active"}`, 400, "active", "", "No changes to apply"},
		{`{"status":"deleted"}`, 400, "active", "", "deprecate it first"},
		{`{"status":"active","statusMessage":"why"}`, 400, "active", "", "status_message cannot be provided"},
		{`{"status":"deprecated","statusMessage":"use 2.x"}`, 200, "deprecated", "use 2.x", ""},
		{`{"status":"deprecated","statusMessage":"use 2.x"}`, 400, "deprecated", "use 2.x", "No changes to apply"},
		{`{"status":"deprecated","statusMessage":"use 3.x"}`, 200, "deprecated", "use 3.x", ""},
		{`{"status":"deprecated"}`, 200, "deprecated", "", ""},
		{`{"status":"active"}`, 200, "active", "", ""},
		{`{"status":"deprecated","statusMessage":null}`, 200, "deprecated", "", ""},
		{`{"status":"deleted","statusMessage":"malware"}`, 200, "deleted", "malware", ""},
		{`{"status":"active"}`, 400, "deleted", "malware", "deletion is permanent"},
		{`{"status":"deprecated"}`, 400, "deleted", "malware", "deletion is permanent"},
		{`{"status":"deleted","statusMessage":"spam"}`, 200, "deleted", "spam", ""},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		e.version(scope.DefaultWorkspace, "io.t/weather", "1.0.0", mcpregistry.StatusActive)
		for i, st := range steps {
			e.advance(10)
			r := e.patch(path, st.body)
			if st.status == 200 {
				if r.status != 200 {
					t.Fatalf("step %d %s: %d %s", i, st.body, r.status, r.body)
				}
				up, _ := decodeItem(t, r.body)
				if m := up.Meta.Official; m.UpdatedAt.UnixMilli() != e.now.Load() || m.StatusChangedAt != m.UpdatedAt {
					t.Fatalf("step %d: updatedAt %v, now %d", i, m.UpdatedAt, e.now.Load())
				}
			} else if p := expectProblem(t, r, st.status, ""); !strings.Contains(p.Detail, st.detail) {
				t.Fatalf("step %d %s: detail %q, want %q in it", i, st.body, p.Detail, st.detail)
			}
			up, _ := decodeItem(t, e.get("/v0.1/servers/io.t%2Fweather/versions/1.0.0?include_deleted=true", ""))
			msg := ""
			if m := up.Meta.Official.StatusMessage; m != nil {
				msg = *m
			}
			if string(up.Meta.Official.Status) != string(st.want) || msg != st.message {
				t.Fatalf("step %d %s: now %s %q, want %s %q", i, st.body, up.Meta.Official.Status, msg, st.want, st.message)
			}
		}
		// The deleted version is hidden by default, and the native API agrees.
		expectProblem(t, e.do(http.MethodGet, "/v0.1/servers/io.t%2Fweather/versions/1.0.0", "", nil), 404, "")
		if _, err := e.reg.GetVersion(e.ctx, scope.Scope{Workspace: "default"}, "io.t/weather", "1.0.0"); err == nil {
			t.Fatal("the native API still finds the deleted version")
		}
	})
}

// TestServerStatusAllOrNothing: the server-level PATCH changes every
// published, non-deleted version in one transaction, or none.
func TestServerStatusAllOrNothing(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		ws := scope.DefaultWorkspace
		e.version(ws, "io.t/multi", "1.0.0", mcpregistry.StatusActive)
		e.version(ws, "io.t/multi", "1.1.0", mcpregistry.StatusDeprecated)
		e.version(ws, "io.t/multi", "1.2.0", mcpregistry.StatusDeleted)
		e.version(ws, "io.t/multi", "2.0.0", mcpregistry.StatusDraft)
		const path = "/v0.1/servers/io.t%2Fmulti/status"
		statuses := func() map[string]string {
			up, _ := decodeList(t, e.get("/v0.1/servers/io.t%2Fmulti/versions?include_deleted=true", ""))
			m := map[string]string{}
			for _, s := range up.Servers {
				m[s.Server.Version] = string(s.Meta.Official.Status)
			}
			return m
		}
		before := statuses()
		// 1.0.0 is active: deleting everything is refused as a whole.
		p := expectProblem(t, e.patch(path, `{"status":"deleted"}`), 400, "")
		if !strings.Contains(p.Detail, "1.0.0") || !strings.Contains(p.Detail, "deprecate it first") {
			t.Fatalf("detail %q", p.Detail)
		}
		if now := statuses(); !maps.Equal(now, before) {
			t.Fatalf("a refused bulk change changed %v into %v", before, now)
		}
		var resp officialapi.AllVersionsStatusResponse
		r := e.patch(path, `{"status":"deprecated","statusMessage":"moving to io.t/next"}`)
		if r.status != 200 || json.Unmarshal(r.body, &resp) != nil || resp.UpdatedCount != 2 || len(resp.Servers) != 2 {
			t.Fatalf("deprecate all: %d %s", r.status, r.body)
		}
		want := map[string]string{"1.0.0": "deprecated", "1.1.0": "deprecated", "1.2.0": "deleted"}
		if now := statuses(); !maps.Equal(now, want) {
			t.Fatalf("after deprecating all: %v", now)
		}
		expectProblem(t, e.patch(path, `{"status":"deprecated","statusMessage":"moving to io.t/next"}`), 400,
			"No changes to apply: all versions already have the requested status and message")
		r = e.patch(path, `{"status":"deleted"}`)
		if r.status != 200 || json.Unmarshal(r.body, &resp) != nil || resp.UpdatedCount != 2 {
			t.Fatalf("delete all: %d %s", r.status, r.body)
		}
		expectProblem(t, e.do(http.MethodGet, "/v0.1/servers/io.t%2Fmulti/versions", "", nil), 404, "")
		expectProblem(t, e.patch("/v0.1/servers/io.t%2Fnone/status", `{"status":"active"}`), 404, "")
	})
}

// TestStatusBodyRules: the body's declared rules, each a 422 finding.
func TestStatusBodyRules(t *testing.T) {
	tests := []struct {
		body   string
		status int
		loc    string
	}{
		{`{}`, 422, "body"},
		{`{"status":"draft"}`, 422, "body.status"},
		{`{"status":"Active"}`, 422, "body.status"},
		{`{"status":1}`, 422, "body.status"},
		{`{"status":"deprecated","statusMessage":"` + strings.Repeat("x", 501) + `"}`, 422, "body.statusMessage"},
		{`{"status":"deprecated","extra":true}`, 422, "body.extra"},
		{`{"status":`, 400, "body"},
		{`[]`, 422, "body"},
		{``, 400, ""},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		e.version(scope.DefaultWorkspace, "io.t/x1", "1.0.0", mcpregistry.StatusActive)
		for _, tt := range tests {
			p := expectProblem(t, e.patch("/v0.1/servers/io.t%2Fx1/versions/1.0.0/status", tt.body), tt.status, "")
			if tt.loc != "" && (len(p.Errors) != 1 || p.Errors[0].Location != tt.loc) {
				t.Fatalf("%s: findings %+v, want one at %s", tt.body, p.Errors, tt.loc)
			}
		}
	})
}
