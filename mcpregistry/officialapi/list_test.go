package officialapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// TestPagingOverInsertsNeitherSkipsNorRepeats walks 1,000 servers page by
// page while versions are registered between the pages, before and after
// the cursor's position: every row visible throughout is listed exactly
// once, in (name, version) order, and a row registered ahead of the cursor
// is listed too.
func TestPagingOverInsertsNeitherSkipsNorRepeats(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		var rows []row
		want := map[key]bool{}
		for i := range 1000 {
			name := fmt.Sprintf("io.test/s%04d0", i)
			status := mcpregistry.StatusActive
			switch i % 10 {
			case 3:
				status = mcpregistry.StatusDeprecated
			case 7:
				status = mcpregistry.StatusDraft // never listed
			case 9:
				status = mcpregistry.StatusDeleted // not listed without include_deleted
			}
			rows = append(rows, row{name, "1.0.0", status, startMillis + int64(i)})
			if status == mcpregistry.StatusActive || status == mcpregistry.StatusDeprecated {
				want[key{name, "1.0.0"}] = true
			}
			if i%4 == 0 { // a second version, so that pages split a server's versions
				rows = append(rows, row{name, "1.1.0", mcpregistry.StatusActive, startMillis + int64(i)})
				want[key{name, "1.1.0"}] = true
			}
		}
		e.seed(scope.DefaultWorkspace, rows)

		n := 0
		behind := map[key]bool{}
		register := func(name, version string, last key) {
			e.version(scope.DefaultWorkspace, name, version, mcpregistry.StatusActive)
			if last.less(key{name, version}) {
				want[key{name, version}] = true
			} else {
				behind[key{name, version}] = true
			}
		}
		got := e.walk("/v0.1/servers?search=io.test", "", 100, func(last key) {
			n++
			var idx int
			if _, err := fmt.Sscanf(last.name, "io.test/s%4d", &idx); err != nil {
				t.Fatal(err)
			}
			// Just ahead of the position; a new version of a server listed
			// pages ago and of one still ahead; and one somewhere.
			register(last.name+"a", "1.0.0", last)
			register(fmt.Sprintf("io.test/s%04d0", max(0, idx-50)), "9.0.0", last)
			register(fmt.Sprintf("io.test/s%04d0", min(999, idx+110)), "2.0.0-rc.1", last)
			register(fmt.Sprintf("io.test/s%04d5", (n*97)%1000), "1.0.0", last)
		})
		if len(behind) == 0 {
			t.Fatal("nothing was registered behind the cursor")
		}
		if n < 9 {
			t.Fatalf("only %d page turns", n)
		}
		for i := 1; i < len(got); i++ {
			if !got[i-1].less(got[i]) {
				t.Fatalf("out of order or repeated at %d: %v then %v", i, got[i-1], got[i])
			}
		}
		seen := map[key]bool{}
		for _, k := range got {
			seen[k] = true
			if !want[k] {
				// A row registered behind the cursor may not come back.
				t.Fatalf("listed %v, which was not expected", k)
			}
		}
		for k := range want {
			if !seen[k] {
				t.Fatalf("skipped %v (%d listed, %d expected)", k, len(got), len(want))
			}
		}
		// Walked again, the list holds the rows registered behind the
		// cursor too, whatever the page size.
		all := e.walk("/v0.1/servers?search=io.test", "", 100, nil)
		if by7 := e.walk("/v0.1/servers?search=io.test", "", 7, nil); !slices.Equal(by7, all) {
			t.Fatalf("walks disagree: %d items by 7, %d by 100", len(by7), len(all))
		}
		if len(all) != len(want)+len(behind) {
			t.Fatalf("%d listed now, want %d + %d registered behind the cursor", len(all), len(want), len(behind))
		}
		for _, k := range all {
			if !want[k] && !behind[k] {
				t.Fatalf("now lists %v", k)
			}
		}
	})
}

// TestLatestAgainstMixedStatuses: version=latest, /versions/latest and
// isLatest all follow the registry's latest resolution.
func TestLatestAgainstMixedStatuses(t *testing.T) {
	type v struct {
		version string
		status  mcpregistry.Status
	}
	tests := []struct {
		name     string
		versions []v
		latest   string // "" when no published version is latest
	}{
		{"io.t/higher-active-wins", []v{{"1.0.0", "active"}, {"2.0.0", "active"}}, "2.0.0"},
		{"io.t/active-beats-higher-deprecated", []v{{"1.0.0", "active"}, {"2.0.0", "deprecated"}}, "1.0.0"},
		{"io.t/only-deprecated", []v{{"1.0.0", "deprecated"}, {"1.1.0", "deprecated"}}, "1.1.0"},
		{"io.t/deleted-never-latest", []v{{"1.0.0", "active"}, {"3.0.0", "deleted"}}, "1.0.0"},
		{"io.t/all-deleted", []v{{"1.0.0", "deleted"}}, ""},
		{"io.t/latest-is-a-draft", []v{{"1.0.0", "deprecated"}, {"2.0.0", "draft"}}, ""},
		{"io.t/active-beats-higher-draft", []v{{"1.0.0", "active"}, {"2.0.0", "draft"}}, "1.0.0"},
		{"io.t/prerelease-by-semver", []v{{"1.0.0", "active"}, {"2.0.0-rc.1", "active"}}, "2.0.0-rc.1"},
		{"io.t/build-metadata-newest", []v{{"1.0.0+b.1", "active"}, {"1.0.0+b.0", "active"}}, "1.0.0+b.0"},
		{"io.t/semver-not-string-order", []v{{"1.9.0", "active"}, {"1.10.0", "active"}}, "1.10.0"},
	}
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		for _, tt := range tests {
			for _, x := range tt.versions {
				e.advance(1)
				e.version(scope.DefaultWorkspace, tt.name, x.version, x.status)
			}
		}
		var want []key
		for _, tt := range tests {
			if tt.latest != "" {
				want = append(want, key{tt.name, tt.latest})
			}
		}
		slices.SortFunc(want, func(a, b key) int {
			if a.less(b) {
				return -1
			}
			return 1
		})
		for _, q := range []string{"version=latest", "version=latest&include_deleted=true"} {
			if got := keysOf(t, e.get("/v0.1/servers?"+q, "")); !slices.Equal(got, want) {
				t.Fatalf("%s: %v, want %v", q, got, want)
			}
		}
		for _, tt := range tests {
			path := "/v0.1/servers/" + escape(tt.name) + "/versions"
			r := e.do(http.MethodGet, path+"/latest", "", nil)
			if tt.latest == "" {
				expectProblem(t, r, http.StatusNotFound, "")
			} else {
				up, _ := decodeItem(t, r.body)
				if up.Server.Version != tt.latest || !up.Meta.Official.IsLatest {
					t.Fatalf("%s/latest is %s (isLatest %v), want %s", tt.name, up.Server.Version, up.Meta.Official.IsLatest, tt.latest)
				}
			}
			up, _ := decodeList(t, e.get(path+"?include_deleted=true", ""))
			for _, s := range up.Servers {
				if s.Meta.Official.IsLatest != (s.Server.Version == tt.latest) {
					t.Fatalf("%s %s: isLatest %v, latest is %q", tt.name, s.Server.Version, s.Meta.Official.IsLatest, tt.latest)
				}
			}
		}
	})
}

// TestDraftsInvisible: a draft is not listed, not found, and not changeable
// through the official API, whatever the parameters.
func TestDraftsInvisible(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		e.version(scope.DefaultWorkspace, "io.t/drafts-only", "1.0.0", mcpregistry.StatusDraft)
		e.version(scope.DefaultWorkspace, "io.t/mixed", "1.0.0", mcpregistry.StatusActive)
		e.version(scope.DefaultWorkspace, "io.t/mixed", "2.0.0", mcpregistry.StatusDraft)
		for _, q := range []string{"", "?include_deleted=true", "?version=2.0.0", "?search=draft",
			"?updated_since=2000-01-01T00:00:00Z"} {
			got := keysOf(t, e.get("/v0.1/servers"+q, ""))
			if q == "?search=draft" && len(got) != 0 || len(got) > 1 || len(got) == 1 && got[0] != (key{"io.t/mixed", "1.0.0"}) {
				t.Fatalf("%q lists %v", q, got)
			}
		}
		tok := e.token()
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/v0.1/servers/io.t%2Fdrafts-only/versions"},
			{http.MethodGet, "/v0.1/servers/io.t%2Fdrafts-only/versions/1.0.0?include_deleted=true"},
			{http.MethodGet, "/v0.1/servers/io.t%2Fmixed/versions/2.0.0"},
			{http.MethodPatch, "/v0.1/servers/io.t%2Fmixed/versions/2.0.0/status"},
			{http.MethodPatch, "/v0.1/servers/io.t%2Fdrafts-only/status"},
		} {
			r := e.do(c.method, c.path, "", []byte(`{"status":"active"}`), "Authorization: Bearer "+tok)
			expectProblem(t, r, http.StatusNotFound, "")
		}
		if got := keysOf(t, e.get("/v0.1/servers/io.t%2Fmixed/versions", "")); len(got) != 1 {
			t.Fatalf("versions of io.t/mixed: %v", got)
		}
	})
}

// TestUpdatedSince: strictly after the given instant, at millisecond
// precision, deleted versions included.
func TestUpdatedSince(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		ts := func(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano) }
		e.version(scope.DefaultWorkspace, "io.t/aa", "1.0.0", mcpregistry.StatusActive) // at start
		e.advance(1000)
		e.version(scope.DefaultWorkspace, "io.t/bb", "1.0.0", mcpregistry.StatusActive) // at +1000
		e.advance(1000)
		e.version(scope.DefaultWorkspace, "io.t/cc", "1.0.0", mcpregistry.StatusDeleted) // at +2000, deleted
		e.advance(1000)
		st := string(mcpregistry.StatusDeprecated)
		if _, err := e.reg.UpdateVersion(e.ctx, scope.Scope{Workspace: "default"}, "io.t/aa", "1.0.0",
			mcpregistry.VersionPatch{Status: &st}); err != nil { // a changes at +3000
			t.Fatal(err)
		}
		tests := []struct {
			since, more string
			want        []key
		}{
			{ts(startMillis - 1), "", []key{{"io.t/aa", "1.0.0"}, {"io.t/bb", "1.0.0"}, {"io.t/cc", "1.0.0"}}},
			{ts(startMillis + 1000), "", []key{{"io.t/aa", "1.0.0"}, {"io.t/cc", "1.0.0"}}},
			{ts(startMillis + 1000), "&include_deleted=true", []key{{"io.t/aa", "1.0.0"}, {"io.t/cc", "1.0.0"}}},
			{ts(startMillis + 1000), "&version=latest", []key{{"io.t/aa", "1.0.0"}}},
			{time.UnixMilli(startMillis + 999).UTC().Add(500 * time.Microsecond).Format(time.RFC3339Nano), "",
				[]key{{"io.t/aa", "1.0.0"}, {"io.t/bb", "1.0.0"}, {"io.t/cc", "1.0.0"}}},
			{time.UnixMilli(startMillis + 2000).In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano), "",
				[]key{{"io.t/aa", "1.0.0"}}},
			{ts(startMillis + 3000), "", nil},
		}
		for _, tt := range tests {
			got := keysOf(t, e.get("/v0.1/servers?updated_since="+url.QueryEscape(tt.since)+tt.more, ""))
			if !slices.Equal(got, tt.want) {
				t.Fatalf("updated_since=%s: %v, want %v", tt.since, got, tt.want)
			}
		}
	})
}
