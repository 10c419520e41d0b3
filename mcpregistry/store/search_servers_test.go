package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// seedServers makes six servers whose attributes the filter cases below
// pick apart. Names are lower-case ASCII, and no case compares mixed-case
// strings by order, so results are the same under any collation the test
// database may have.
//
//	server  created  display     latest status      tags                 endpoint
//	alpha   t0+1     Alpha Tool  active             team=red env=prod    on 1.0.0
//	beta    t0+2     beta tool   draft              team=blue            on latest
//	gamma   t0+3     -           deprecated         team=NULL            -
//	delta   t0+4     Delta       - (only deleted)   -                    -
//	epsilon t0+5     Epsilon     - (no versions)    -                    -
//	zeta    t0+6     zeta        active             -                    on an alias of a deleted version
func seedServers(e *env) {
	e.t.Helper()
	at := func(i int64) { e.at(t0 + i) }
	at(1)
	e.mustRegister("io.acme/alpha", "1.0.0", "active")
	at(2)
	e.mustRegister("io.acme/beta", "2.0.0", "")
	at(3)
	e.mustRegister("io.acme/gamma", "1.0.0", "active")
	at(4)
	e.mustRegister("io.acme/delta", "1.0.0", "")
	at(5)
	_, err := e.reg.CreateServer(e.ctx, e.alice, mcpregistry.CreateServerInput{Name: "io.acme/epsilon"})
	e.must(err)
	at(6)
	e.mustRegister("io.acme/zeta", "1.0.0", "active")
	e.mustRegister("io.acme/zeta", "0.1.0", "")
	at(100)
	e.setStatus("io.acme/gamma", "1.0.0", "deprecated")
	e.must(e.reg.DeleteVersion(e.ctx, e.alice, "io.acme/delta", "1.0.0"))
	e.must(e.reg.SetAlias(e.ctx, e.alice, "io.acme/zeta", "old", "0.1.0"))
	e.endpoint("io.acme/zeta", nil, ptr("old"))
	e.setStatus("io.acme/zeta", "0.1.0", "deleted")
	e.endpoint("io.acme/alpha", ptr("1.0.0"), nil)
	e.endpoint("io.acme/beta", nil, ptr("latest"))
	for i, d := range []struct{ name, display string }{
		{"alpha", "Alpha Tool"}, {"beta", "beta tool"}, {"delta", "Delta"}, {"epsilon", "Epsilon"}, {"zeta", "zeta"},
	} {
		at(200 + int64(i)) // last_updated_at: alpha t0+200 ... zeta t0+204; gamma stays t0+3
		_, err := e.reg.UpdateServer(e.ctx, e.alice, "io.acme/"+d.name, mcpregistry.ServerPatch{
			DisplayName: mcpregistry.Field[string]{Set: true, Value: ptr(d.display)}})
		e.must(err)
	}
	for _, tg := range []struct{ server, key string }{{"alpha", "team=red"}, {"alpha", "env=prod"}, {"beta", "team=blue"}, {"gamma", "team"}} {
		k, v, hasValue := strings.Cut(tg.key, "=")
		tag := mcpregistry.Tag{Key: k}
		if hasValue {
			tag.Value = &v
		}
		e.must(e.reg.SetServerTag(e.ctx, e.alice, "io.acme/"+tg.server, tag))
	}
}

func TestSearchServersFilter(t *testing.T) {
	cases := []struct {
		filter string
		want   string // short names in name order
	}{
		{"", "alpha beta delta epsilon gamma zeta"},
		{"name = 'io.acme/alpha'", "alpha"},
		{"name != 'io.acme/alpha'", "beta delta epsilon gamma zeta"},
		{"name > 'io.acme/delta'", "epsilon gamma zeta"},
		{"name <= 'io.acme/beta'", "alpha beta"},
		{"name LIKE 'io.acme/%ta'", "beta delta zeta"},
		{"name LIKE 'IO.ACME/%'", ""},
		{"name ILIKE 'IO.ACME/_ETA'", "beta zeta"},
		{"display_name = 'Delta'", "delta"},
		{"display_name != 'Delta'", "alpha beta epsilon zeta"}, // NULL matches neither
		{"display_name LIKE '%Tool'", "alpha"},
		{"display_name ILIKE '%TOOL'", "alpha beta"},
		{"display_name < 'Beta'", "alpha"}, // the same under a byte-wise and a linguistic collation
		{"name < 'io.acme/beta'", "alpha"},
		{"name >= 'io.acme/zeta'", "zeta"},
		{"tags.team <= 'blue'", "beta"},
		{"tags.team < 'blue' AND tags.team >= 'a'", ""},
		{"status = 'active'", "alpha zeta"},
		{"status != 'active'", "beta gamma"}, // no status (delta, epsilon) matches neither
		{"status IN ('draft', 'deprecated')", "beta gamma"},
		{"status IN ('ACTIVE')", ""}, // not lower case: dropped, as MLflow does
		{"status LIKE 'dep%'", "gamma"},
		{"has_access_endpoints = 'true'", "alpha beta"},
		{"has_access_endpoints = 'FALSE'", "delta epsilon gamma zeta"},
		{fmt.Sprintf("created_at >= %d", t0+4), "delta epsilon zeta"},
		{fmt.Sprintf("created_at < %d.5", t0+2), "alpha beta"},
		{fmt.Sprintf("created_at = %d.0", t0+3), "gamma"},
		{fmt.Sprintf("created_at != %d", t0+3), "alpha beta delta epsilon zeta"},
		{"created_at < 1e30", "alpha beta delta epsilon gamma zeta"},
		{fmt.Sprintf("last_updated_at <= %d", t0+201), "alpha beta gamma"},
		{fmt.Sprintf("last_updated_at > %d", t0+202), "epsilon zeta"},
		{"tags.team = 'red'", "alpha"},
		{"tags.team != 'red'", "beta"}, // servers without the key, or with a NULL value, never match
		{"tags.team LIKE 'b%'", "beta"},
		{"tags.team ILIKE 'B%'", "beta"},
		{"tags.team > 'c'", "alpha"},
		{"tags.env = 'prod' AND tags.team = 'red'", "alpha"},
		{"tags.env = 'prod' AND tags.team = 'blue'", ""},
		{"tags.team = 'red' AND tags.team = 'red'", "alpha"},
		{"tags.`team` = 'blue'", "beta"},
		{"tags.missing = 'x'", ""},
		{"status = 'active' AND has_access_endpoints = 'true' AND display_name LIKE 'A%'", "alpha"},
		{"status = 'active' AND has_access_endpoints = 'false'", "zeta"},
	}
	forDialects(t, func(t *testing.T, e *env) {
		seedServers(e)
		for _, c := range cases {
			t.Run(c.filter, func(t *testing.T) {
				p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{Filter: c.filter})
				e.must(err)
				if got := serverNames(p.Items); got != c.want {
					t.Errorf("got %q, want %q", got, c.want)
				}
				if p.NextPageToken != nil {
					t.Errorf("a single page has a next token")
				}
			})
		}
		_, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{Filter: "version = '1'"})
		wantErr(t, err, mlflowerr.ErrInvalid, "Invalid attribute key 'version' specified")
	})
}

// TestSearchServersView: search pages carry the same views as a get.
func TestSearchServersView(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		seedServers(e)
		p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{})
		e.must(err)
		for _, got := range p.Items {
			want := e.server(got.Name)
			if g, w := fmt.Sprintf("%+v", viewText(&got)), fmt.Sprintf("%+v", viewText(want)); g != w {
				t.Errorf("search shows %s\nget shows    %s", g, w)
			}
		}
	})
}

// viewText renders a server view's content (pointers dereferenced).
func viewText(s *mcpregistry.ServerView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s %s %d %d", s.Name, deref(s.DisplayName), deref(s.Description), s.Icons, deref(s.CreatedBy),
		s.CreatedAt, s.LastUpdatedAt)
	if s.Latest != nil {
		fmt.Fprintf(&b, " latest=%s/%s/%s", s.Latest.Version, s.Latest.Status, s.Latest.ServerJSON)
	}
	fmt.Fprintf(&b, " aliases=%v tags=%s", s.Aliases, tagText(s.Tags))
	for _, ep := range s.Endpoints {
		fmt.Fprintf(&b, " ep=%s:%s:%s->%s%v", ep.ID, deref(ep.ServerVersion), deref(ep.ServerAlias), ep.Resolved.Version.Version, ep.Resolved.Aliases)
	}
	return b.String()
}

func serverNames(items []mcpregistry.ServerView) string {
	names := make([]string, len(items))
	for i, s := range items {
		names[i] = strings.TrimPrefix(s.Name, "io.acme/")
	}
	return strings.Join(names, " ")
}

func TestSearchServersOrder(t *testing.T) {
	cases := []struct {
		orderBy []string
		want    string
	}{
		{nil, "alpha beta delta epsilon gamma zeta"},
		{[]string{"name DESC"}, "zeta gamma epsilon delta beta alpha"},
		{[]string{"created_at DESC"}, "zeta epsilon delta gamma beta alpha"},
		{[]string{"last_updated_at"}, "gamma alpha beta delta epsilon zeta"},
		{[]string{"last_updated_at DESC", "name"}, "zeta epsilon delta beta alpha gamma"},
	}
	forDialects(t, func(t *testing.T, e *env) {
		seedServers(e)
		for _, c := range cases {
			p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{OrderBy: c.orderBy})
			e.must(err)
			if got := serverNames(p.Items); got != c.want {
				t.Errorf("order_by %v: got %q, want %q", c.orderBy, got, c.want)
			}
		}
	})
}
