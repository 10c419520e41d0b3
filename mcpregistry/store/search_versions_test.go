package store_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// semverOrder reads the reference list of versions in ascending SemVer
// precedence (MLflow's compare_semver).
func semverOrder(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/semver-order.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

const semverServer = "io.acme/semver"

// seedSemver registers the reference versions in a shuffled order (so that
// created_at does not follow precedence), plus a deleted one that no search
// may show.
func seedSemver(t *testing.T, e *env, order []string) {
	t.Helper()
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(len(order)) {
		e.mustRegister(semverServer, order[i], "")
	}
	e.mustRegister(semverServer, "99.0.0", "")
	e.must(e.reg.DeleteVersion(e.ctx, e.alice, semverServer, "99.0.0"))
}

func TestSearchVersionsSemVer(t *testing.T) {
	order := semverOrder(t)
	forDialects(t, func(t *testing.T, e *env) {
		seedSemver(t, e, order)
		search := func(req mcpregistry.SearchRequest) []string {
			t.Helper()
			req.MaxResults = ptr(1000)
			p, err := e.reg.SearchVersions(e.ctx, e.alice, semverServer, req)
			e.must(err)
			return versionNames(p.Items)
		}
		if got := search(mcpregistry.SearchRequest{OrderBy: []string{"version ASC"}}); !slices.Equal(got, order) {
			t.Errorf("order_by version ASC:\n got %v\nwant %v", got, order)
		}
		desc := slices.Clone(order)
		slices.Reverse(desc)
		if got := search(mcpregistry.SearchRequest{OrderBy: []string{"`version` DESC"}}); !slices.Equal(got, desc) {
			t.Errorf("order_by version DESC:\n got %v\nwant %v", got, desc)
		}
		// Every comparator against every operand agrees with SemVer.
		for _, operand := range []string{"1.0.0", "1.0.0-alpha.1", "1.0.0-0", "0.0.0", "1.0.0+build", "2147483647.0.0", "1.0.0-10"} {
			opv, err := mcpregistry.ParseVersion(operand)
			e.must(err)
			for _, op := range []string{"<", "<=", ">", ">="} {
				var want []string
				for _, v := range order {
					sv, _ := mcpregistry.ParseVersion(v)
					c := sv.Compare(opv)
					if op == "<" && c < 0 || op == "<=" && c <= 0 || op == ">" && c > 0 || op == ">=" && c >= 0 {
						want = append(want, v)
					}
				}
				filter := fmt.Sprintf("version %s '%s'", op, operand)
				if got := search(mcpregistry.SearchRequest{Filter: filter, OrderBy: []string{"version"}}); !slices.Equal(got, want) {
					t.Errorf("%s:\n got %v\nwant %v", filter, got, want)
				}
			}
		}
		for _, c := range []struct{ filter, want string }{
			{"version = '1.0.0-alpha.1'", "1.0.0-alpha.1"},
			{"version = '99.0.0'", ""}, // deleted rows never show
			{"version = '1.0.0+build'", ""},
			{"name = 'io.acme/semver' AND version >= '10.0.0'", "10.0.0 2147483647.0.0"},
			{"version != '0.0.0' AND version < '0.1.0'", "0.0.0-0 0.0.1"},
		} {
			if got := strings.Join(search(mcpregistry.SearchRequest{Filter: c.filter, OrderBy: []string{"version"}}), " "); got != c.want {
				t.Errorf("%s: got %q, want %q", c.filter, got, c.want)
			}
		}
		_, err := e.reg.SearchVersions(e.ctx, e.alice, semverServer, mcpregistry.SearchRequest{Filter: "version > '1.0'"})
		wantErr(t, err, mlflowerr.ErrInvalid, "Invalid semantic version for filter_string version: '1.0'")
		_, err = e.reg.SearchVersions(e.ctx, e.alice, "io.acme/none", mcpregistry.SearchRequest{})
		wantErr(t, err, mlflowerr.ErrNotFound, "MCP server 'io.acme/none' not found")
	})
}

func versionNames(items []mcpregistry.VersionView) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = v.Version.Version
	}
	return out
}

func TestSearchVersionsFilterAndOrder(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.acme/build"
		e.at(t0 + 10)
		e.mustRegister(name, "1.0.0+b", "")
		e.at(t0 + 10) // the same millisecond: only the raw string separates them
		e.mustRegister(name, "1.0.0+a", "")
		e.at(t0 + 20)
		e.mustRegister(name, "0.9.0", "active")
		e.at(t0 + 30)
		e.mustRegister(name, "2.0.0", "active")
		e.at(t0 + 40)
		e.setStatus(name, "2.0.0", "deprecated")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "0.9.0"))
		e.must(e.reg.SetVersionTag(e.ctx, e.alice, name, "0.9.0", mcpregistry.Tag{Key: "k", Value: ptr("v")}))

		for _, c := range []struct {
			filter  string
			orderBy []string
			want    string
		}{
			{"", nil, "1.0.0+a 1.0.0+b 0.9.0 2.0.0"}, // created_at, then the raw string
			{"", []string{"version DESC"}, "2.0.0 1.0.0+a 1.0.0+b 0.9.0"},
			{"", []string{"created_at DESC"}, "2.0.0 0.9.0 1.0.0+a 1.0.0+b"},
			{"", []string{"last_updated_at DESC", "version"}, "2.0.0 0.9.0 1.0.0+a 1.0.0+b"},
			{"status = 'draft'", nil, "1.0.0+a 1.0.0+b"},
			{"status IN ('active', 'deprecated')", nil, "0.9.0 2.0.0"},
			{"status != 'draft'", nil, "0.9.0 2.0.0"},
			{"version != '1.0.0+a'", nil, "1.0.0+b 0.9.0 2.0.0"},
			{"version > '1.0.0+zzz'", nil, "2.0.0"}, // build metadata does not take part in precedence
			{"version >= '1.0.0'", nil, "1.0.0+a 1.0.0+b 2.0.0"},
			{fmt.Sprintf("created_at > %d", t0+10), nil, "0.9.0 2.0.0"},
			{fmt.Sprintf("last_updated_at = %d", t0+40), nil, "2.0.0"},
			{"name LIKE '%build'", nil, "1.0.0+a 1.0.0+b 0.9.0 2.0.0"},
			{"name = 'other'", nil, ""},
		} {
			p, err := e.reg.SearchVersions(e.ctx, e.alice, name, mcpregistry.SearchRequest{Filter: c.filter, OrderBy: c.orderBy})
			e.must(err)
			if got := strings.Join(versionNames(p.Items), " "); got != c.want {
				t.Errorf("filter %q order %v: got %q, want %q", c.filter, c.orderBy, got, c.want)
			}
		}
		p, err := e.reg.SearchVersions(e.ctx, e.alice, name, mcpregistry.SearchRequest{Filter: "version = '0.9.0'"})
		e.must(err)
		if v := p.Items[0]; !slices.Equal(v.Aliases, []string{"prod"}) || tagText(v.Tags) != "k=v" {
			t.Errorf("search view of 0.9.0: aliases %v tags %s", v.Aliases, tagText(v.Tags))
		}
	})
}
