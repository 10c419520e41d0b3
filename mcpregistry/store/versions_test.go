package store_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func TestRegisterVersion(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/notes"
		e.at(t0 + 10)
		in := mcpregistry.CreateVersionInput{
			ServerJSON:  serverJSON(name, "1.0.0", `"description": "Notes"`),
			DisplayName: ptr("Notes 1"), Source: ptr("https://github.com/acme/notes"),
			Tools: []byte(`[{"name": "add", "inputSchema": {"type": "object"}}]`),
		}
		v, err := e.reg.CreateVersion(e.ctx, e.alice, name, in)
		e.must(err)
		if v.Status != mcpregistry.StatusDraft || deref(v.DisplayName) != "Notes 1" || deref(v.Source) != "https://github.com/acme/notes" ||
			v.CreatedAt != t0+10 || deref(v.CreatedBy) != "alice" || len(v.Aliases) != 0 || len(v.Tags) != 0 {
			t.Fatalf("registered = %+v", v)
		}
		if string(v.ServerJSON) != `{"name":"io.github.acme/notes","version":"1.0.0","description":"Notes"}` {
			t.Errorf("server_json = %s", v.ServerJSON)
		}
		if string(v.Tools) != `[{"name":"add","inputSchema":{"type":"object"}}]` {
			t.Errorf("tools = %s", v.Tools)
		}
		// The parent was created on first use, with the version's author and time.
		s := e.server(name)
		if deref(s.CreatedBy) != "alice" || s.CreatedAt != t0+10 || s.Latest == nil || s.Latest.Version != "1.0.0" {
			t.Errorf("auto-created parent = %+v", s.Server)
		}
		// A second version leaves the parent as it was.
		e.at(t0 + 20)
		e.mustRegister(name, "1.1.0", "active")
		if s2 := e.server(name); s2.CreatedAt != t0+10 || s2.LastUpdatedAt != t0+10 {
			t.Errorf("parent changed by a second version: %+v", s2.Server)
		}

		e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, "1.0.0"))
		for _, version := range []string{"1.1.0", "1.0.0"} { // live, then soft-deleted
			_, err := e.register(e.alice, name, version, "")
			wantErr(t, err, mlflowerr.ErrAlreadyExists,
				fmt.Sprintf("MCP server version '%s' version '%s' already exists", name, version))
		}
		// Build metadata makes a distinct version.
		e.mustRegister(name, "1.1.0+build.7", "")
	})
}

// TestSemVerColumns: the stored (major, minor, patch, prerelease sort key)
// are MLflow's, for every valid version of the reference table.
func TestSemVerColumns(t *testing.T) {
	rows := readTSV(t, "testdata/semver-sort-keys.tsv")
	forDialects(t, func(t *testing.T, e *env) {
		n := 0
		for _, r := range rows {
			if r["valid"] != "true" {
				continue
			}
			version, err := strconv.Unquote(r["input_json"])
			if err != nil {
				t.Fatal(err)
			}
			n++
			name := fmt.Sprintf("io.github.acme/semver%d", n)
			e.mustRegister(name, version, "")
			var major, minor, patch int64
			var key string
			err = e.db.Q().QueryRow(e.ctx, "SELECT version_major, version_minor, version_patch, version_prerelease_sort_key "+
				"FROM mcp_server_versions WHERE workspace = 'default' AND name = $1 AND version = $2", name, version).
				Scan(&major, &minor, &patch, &key)
			e.must(err)
			got := fmt.Sprintf("%d %d %d %s", major, minor, patch, key)
			want := fmt.Sprintf("%s %s %s %s", r["major"], r["minor"], r["patch"], r["prerelease_sort_key"])
			if got != want {
				t.Errorf("%q: stored %s, want %s", version, got, want)
			}
		}
		if n < 30 {
			t.Fatalf("only %d valid versions in the table", n)
		}
	})
}

func readTSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header []string
	var out []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = cells
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = cells[i]
			}
		}
		out = append(out, row)
	}
	return out
}

// TestLifecycleTransitions tries every (from, to) pair of statuses.
func TestLifecycleTransitions(t *testing.T) {
	statuses := []string{"draft", "active", "deprecated", "deleted"}
	allowed := map[string]string{
		"draft>active": "", "draft>deleted": "", "active>deprecated": "", "active>draft": "",
		"deprecated>active": "", "deprecated>deleted": "",
	}
	reach := map[string][]string{ // how a fresh draft gets to each status
		"draft": nil, "active": {"active"}, "deprecated": {"active", "deprecated"}, "deleted": {"deleted"},
	}
	forDialects(t, func(t *testing.T, e *env) {
		n := 0
		for _, from := range statuses {
			for _, to := range statuses {
				n++
				name := fmt.Sprintf("io.github.acme/life%d", n)
				e.mustRegister(name, "1.0.0", "")
				e.setStatus(name, "1.0.0", reach[from]...)
				v, err := e.reg.UpdateVersion(e.ctx, e.alice, name, "1.0.0", mcpregistry.VersionPatch{Status: ptr(to)})
				_, ok := allowed[from+">"+to]
				switch {
				case from == "deleted":
					wantErr(t, err, mlflowerr.ErrNotFound, "not found")
				case !ok:
					wantErr(t, err, mlflowerr.ErrInvalid, fmt.Sprintf("Invalid status transition from '%s' to '%s'", from, to))
				default:
					e.must(err)
					if string(v.Status) != to {
						t.Errorf("%s -> %s answered status %s", from, to, v.Status)
					}
				}
				stored, err := e.reg.GetVersion(e.ctx, e.alice, name, "1.0.0")
				want := from
				if ok {
					want = to
				}
				if want == "deleted" {
					wantErr(t, err, mlflowerr.ErrNotFound, "")
				} else if e.must(err); string(stored.Status) != want {
					t.Errorf("%s -> %s: stored status %s, want %s", from, to, stored.Status, want)
				}
			}
		}
		_, err := e.register(e.alice, "io.github.acme/life-x", "1.0.0", "deprecated")
		wantErr(t, err, mlflowerr.ErrInvalid, "Initial MCP server registration status must be 'draft' or 'active'.")
	})
}

type registration struct {
	version string
	at      int64    // created_at; 0: the clock's next value
	then    []string // status changes after registering; "DELETE" soft-deletes
	status  string   // initial status, "" for the default
}

func TestLatestResolution(t *testing.T) {
	cases := []struct {
		name   string
		regs   []registration
		latest string // "" when none resolves
	}{
		{"active beats a higher draft", []registration{{version: "2.0.0"}, {version: "1.0.0", status: "active"}}, "1.0.0"},
		{"highest active", []registration{{version: "1.0.0", status: "active"}, {version: "1.2.0", status: "active"},
			{version: "1.10.0-rc.1", status: "active"}}, "1.10.0-rc.1"},
		{"release beats its prerelease", []registration{{version: "1.0.0"}, {version: "1.0.0-rc.1"}}, "1.0.0"},
		{"numeric prerelease parts compare as numbers", []registration{{version: "1.0.0-beta.11"}, {version: "1.0.0-beta.2"}}, "1.0.0-beta.11"},
		{"deprecated ranks with drafts", []registration{{version: "1.0.0"}, {version: "2.0.0", status: "active", then: []string{"deprecated"}}}, "2.0.0"},
		{"build metadata: the newer row", []registration{{version: "1.0.0+xyz", at: 1000}, {version: "1.0.0+abc", at: 2000}}, "1.0.0+abc"},
		{"build metadata, same millisecond: byte-wise greater", []registration{{version: "1.0.0+B", at: 1000}, {version: "1.0.0+a", at: 1000}}, "1.0.0+a"},
		{"deleted versions are ignored", []registration{{version: "3.0.0", then: []string{"DELETE"}}, {version: "1.0.0"}}, "1.0.0"},
		{"patched to deleted is ignored too", []registration{{version: "3.0.0", then: []string{"deleted"}}, {version: "1.0.0"}}, "1.0.0"},
		{"nothing live", []registration{{version: "1.0.0", then: []string{"DELETE"}}}, ""},
	}
	forDialects(t, func(t *testing.T, e *env) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				name := fmt.Sprintf("io.github.acme/latest%d", i)
				e.apply(name, c.regs)
				got, err := e.reg.GetVersionByAlias(e.ctx, e.alice, name, mcpregistry.LatestAlias)
				s := e.server(name)
				if c.latest == "" {
					wantErr(t, err, mlflowerr.ErrNotFound, fmt.Sprintf("No resolved latest version found for MCP server '%s'", name))
					if s.Latest != nil {
						t.Errorf("server shows latest %s", s.Latest.Version)
					}
					return
				}
				e.must(err)
				if got.Version.Version != c.latest || s.Latest == nil || s.Latest.Version != c.latest {
					t.Errorf("latest = %s (server view %v), want %s", got.Version.Version, s.Latest, c.latest)
				}
			})
		}
		_, err := e.reg.GetVersionByAlias(e.ctx, e.alice, "io.github.acme/none", mcpregistry.LatestAlias)
		wantErr(t, err, mlflowerr.ErrNotFound, "MCP server 'io.github.acme/none' not found")
	})
}

// apply registers and transitions versions of one server.
func (e *env) apply(name string, regs []registration) {
	e.t.Helper()
	for _, r := range regs {
		if r.at != 0 {
			e.at(t0 + r.at)
		}
		e.mustRegister(name, r.version, r.status)
		for _, st := range r.then {
			if st == "DELETE" {
				e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, r.version))
				continue
			}
			e.setStatus(name, r.version, st)
		}
	}
}
