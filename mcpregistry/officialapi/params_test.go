package officialapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

func escape(name string) string { return url.PathEscape(name) }

// expectProblem checks an RFC 9457 answer as huma writes it: the status,
// problem+json, title = status text, status repeated in the body, and (when
// detail is not "") the detail.
func expectProblem(t testing.TB, r response, status int, detail string) officialapi.Problem {
	t.Helper()
	var p officialapi.Problem
	if r.status != status || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s %s, want %d problem+json", r.status, r.header.Get("Content-Type"), r.body, status)
	}
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || p.Detail == "" || (detail != "" && p.Detail != detail) {
		t.Fatalf("problem %s, want status %d detail %q", r.body, status, detail)
	}
	return p
}

// TestBadParameters: each mistake gets the official server's status code,
// and the findings huma would list.
func TestBadParameters(t *testing.T) {
	tests := []struct {
		path   string
		status int
		detail string
		errs   []officialapi.ErrorDetail // nil: none expected
	}{
		{"/v0.1/servers?limit=0", 422, "validation failed", []officialapi.ErrorDetail{{Message: "expected number >= 1", Location: "query.limit", Value: 0.0}}},
		{"/v0.1/servers?limit=101", 422, "validation failed", []officialapi.ErrorDetail{{Message: "expected number <= 100", Location: "query.limit", Value: 101.0}}},
		{"/v0.1/servers?limit=-5", 422, "validation failed", []officialapi.ErrorDetail{{Message: "expected number >= 1", Location: "query.limit", Value: -5.0}}},
		{"/v0.1/servers?limit=ten", 422, "validation failed", []officialapi.ErrorDetail{{Message: "invalid integer", Location: "query.limit", Value: "ten"}}},
		{"/v0.1/servers?limit=ten&include_deleted=maybe", 422, "validation failed", []officialapi.ErrorDetail{
			{Message: "invalid integer", Location: "query.limit", Value: "ten"},
			{Message: "invalid boolean", Location: "query.include_deleted", Value: "maybe"}}},
		{"/v0.1/servers?updated_since=yesterday", 400, "Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)", nil},
		{"/v0.1/servers?updated_since=2025-08-07", 400, "", nil},
		{"/v0.1/servers?updated_since=2025-08-07T13:15:04Z&include_deleted=false", 400,
			"Cannot set include_deleted=false when using updated_since (incremental sync requires deleted servers)", nil},
		{"/v0.1/servers?search=ab", 422, "search must contain at least 3 characters after trimming surrounding whitespace", nil},
		{"/v0.1/servers?search=%20ab%20%20", 422, "", nil},
		{"/v0.1/servers?cursor=bm90LWEtY3Vyc29y", 400, "", []officialapi.ErrorDetail{{Location: "query.cursor", Value: "bm90LWEtY3Vyc29y"}}},
		{"/v0.1/servers?cursor=com.example%2Fmy-server%3A1.0.0", 400, "", []officialapi.ErrorDetail{{Location: "query.cursor", Value: "com.example/my-server:1.0.0"}}},
		{"/v0.1/servers/io.t%2Fnope/versions", 404, "", nil},
		{"/v0.1/servers/io.t%2Fnope/versions/1.0.0", 404, "", nil},
		{"/v0.1/servers/io.t%2Fnope/versions/latest", 404, "", nil},
		{"/v0.1/servers/io.t%2Fok/versions/9.9.9", 404, "", nil},
		{"/v0.1/servers/io.t%2Fok/versions/1.0.0?include_deleted=perhaps", 422, "validation failed", []officialapi.ErrorDetail{{Message: "invalid boolean", Location: "query.include_deleted", Value: "perhaps"}}},
		{"/v0.1/servers/io.t%2Fok/versions?include_deleted=2", 422, "validation failed", nil},
		{"/v0.1/nothing-here", 404, "Endpoint not found. See /docs for the API documentation.", nil},
		{"/v0.1/servers/io.t/ok/versions", 404, "", nil}, // an unencoded slash splits the name
		{"/v0.1/servers/", 404, "", nil},
		{"/v0.1", 404, "", nil},
		{"/v0.1/publish", 405, "", nil},
		{"/v0.1/auth/none", 405, "", nil},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		e.version(scope.DefaultWorkspace, "io.t/ok", "1.0.0", mcpregistry.StatusActive)
		for _, tt := range tests {
			t.Run(tt.path, func(t *testing.T) {
				p := expectProblem(t, e.do(http.MethodGet, tt.path, "", nil), tt.status, tt.detail)
				if tt.errs == nil {
					return
				}
				if len(p.Errors) != len(tt.errs) {
					t.Fatalf("findings %+v, want %+v", p.Errors, tt.errs)
				}
				for i, want := range tt.errs {
					got := *p.Errors[i]
					if want.Message == "" {
						want.Message = got.Message // ours, not the official server's: only present
					}
					if got.Message == "" || !reflect.DeepEqual(got, want) {
						t.Fatalf("finding %d: %+v, want %+v", i, got, want)
					}
				}
			})
		}
	})
}

// TestEncodedNamesAndVersions: names and versions are URL-encoded path
// segments (the official rule); a '+' of build metadata may come raw or
// encoded; the API answers at the root and under the static prefix, as
// /v0.1 and /v0.
func TestEncodedNamesAndVersions(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		const name, version = "io.github.user/weather_app", "1.0.0+20130313144700"
		e.version(scope.DefaultWorkspace, name, version, mcpregistry.StatusActive)
		for _, base := range []string{"/v0.1", "/v0", staticPrefix + "/v0.1", staticPrefix + "/v0"} {
			for _, p := range []string{
				"/servers/io.github.user%2Fweather_app/versions/1.0.0%2B20130313144700",
				"/servers/io.github.user%2fweather_app/versions/1.0.0+20130313144700",
				"/servers/" + escape(name) + "/versions/latest",
			} {
				up, _ := decodeItem(t, e.get(base+p, ""))
				if up.Server.Name != name || up.Server.Version != version {
					t.Fatalf("%s%s: %s %s", base, p, up.Server.Name, up.Server.Version)
				}
			}
			if got := keysOf(t, e.get(base+"/servers?version="+url.QueryEscape(version), "")); len(got) != 1 {
				t.Fatalf("%s exact version: %v", base, got)
			}
		}
		// Other paths under the static prefix still go to MLflow.
		if r := e.do(http.MethodGet, staticPrefix+"/v1/anything", "", nil); r.status != 299 {
			t.Fatalf("proxied path answered %d", r.status)
		}
	})
}

// TestWorkspaceIsolation: X-MLFLOW-WORKSPACE scopes every route, cursors
// included.
func TestWorkspaceIsolation(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		for i, ws := range []string{scope.DefaultWorkspace, "team-a"} {
			for _, v := range []string{"1.0.0", "1.1.0"}[:i+1] {
				e.version(ws, "io.t/shared", v, mcpregistry.StatusActive)
			}
		}
		e.version("team-a", "io.t/team-only", "1.0.0", mcpregistry.StatusActive)
		for _, c := range []struct {
			ws   string
			want []key
		}{
			{"", []key{{"io.t/shared", "1.0.0"}}},
			{"team-a", []key{{"io.t/shared", "1.0.0"}, {"io.t/shared", "1.1.0"}, {"io.t/team-only", "1.0.0"}}},
		} {
			if got := keysOf(t, e.get("/v0.1/servers", c.ws)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("workspace %q lists %v, want %v", c.ws, got, c.want)
			}
		}
		_, ours := decodeItem(t, e.get("/v0.1/servers/io.t%2Fteam-only/versions/1.0.0", "team-a"))
		if ours.Meta.Registry.Workspace != "team-a" {
			t.Fatalf("workspace in _meta: %q", ours.Meta.Registry.Workspace)
		}
		expectProblem(t, e.do(http.MethodGet, "/v0.1/servers/io.t%2Fteam-only/versions/1.0.0", "", nil), 404, "")
		expectProblem(t, e.do(http.MethodGet, "/v0.1/servers/io.t%2Fshared/versions/1.1.0", "", nil), 404, "")
		// A cursor is bound to its workspace.
		up, _ := decodeList(t, e.get("/v0.1/servers?limit=1", "team-a"))
		r := e.do(http.MethodGet, "/v0.1/servers?cursor="+url.QueryEscape(up.Metadata.NextCursor), "", nil)
		expectProblem(t, r, 400, "")
		if r := e.do(http.MethodGet, "/v0.1/servers", "nope", nil); r.status != http.StatusNotFound {
			t.Fatalf("unknown workspace: %d %s", r.status, r.body)
		}
	})
}
