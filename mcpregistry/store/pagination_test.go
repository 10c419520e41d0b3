package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// pager runs one search page; it returns the item keys and the next token.
type pager func(req mcpregistry.SearchRequest) ([]string, *string, error)

// walk reads every page of size n and checks that the pages together are
// exactly the single-page answer, in the same order: no duplicates, no gaps.
func walk(t *testing.T, run pager, req mcpregistry.SearchRequest, n int) []string {
	t.Helper()
	all := req
	all.MaxResults = ptr(1000)
	want, next, err := run(all)
	if err != nil || next != nil {
		t.Fatalf("single page: %v (next %v)", err, next)
	}
	var got []string
	req.MaxResults = &n
	for pages := 0; ; pages++ {
		items, next, err := run(req)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		if len(items) > n || (next != nil && len(items) != n) {
			t.Fatalf("page %d has %d items (page size %d, next %v)", pages+1, len(items), n, next != nil)
		}
		got = append(got, items...)
		if next == nil {
			break
		}
		if pages > len(want) {
			t.Fatal("more pages than rows")
		}
		req.PageToken = *next
	}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, pages of %d:\n got %v\nwant %v", req.OrderBy, n, got, want)
	}
	return want
}

func TestPagination(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		// Seven servers, created and updated in colliding milliseconds, each
		// with versions that collide on created_at and on precedence.
		for i := range 7 {
			e.at(t0 + int64(i/3))
			name := fmt.Sprintf("io.acme/p%d", (i*5)%7)
			e.mustRegister(name, "1.0.0", "")
			e.at(t0 + int64(i/2))
			e.mustRegister(name, "1.0.0+b", "")
			e.at(t0 + int64(i/2))
			e.mustRegister(name, "1.0.0+a", "active")
			e.mustRegister(name, "0.1.0", "")
			e.mustRegister(name, "2.0.0-rc.1", "")
			e.endpoint(name, ptr("1.0.0"), nil)
			e.endpoint(name, nil, ptr("latest"))
		}
		servers := func(req mcpregistry.SearchRequest) ([]string, *string, error) {
			p, err := e.reg.SearchServers(e.ctx, e.alice, req)
			if err != nil {
				return nil, nil, err
			}
			return strings.Fields(serverNames(p.Items)), p.NextPageToken, nil
		}
		versions := func(req mcpregistry.SearchRequest) ([]string, *string, error) {
			p, err := e.reg.SearchVersions(e.ctx, e.alice, "io.acme/p3", req)
			if err != nil {
				return nil, nil, err
			}
			return versionNames(p.Items), p.NextPageToken, nil
		}
		endpoints := func(req mcpregistry.SearchRequest) ([]string, *string, error) {
			p, err := e.reg.SearchEndpoints(e.ctx, e.alice, nil, mcpregistry.EndpointSearchRequest{SearchRequest: req})
			if err != nil {
				return nil, nil, err
			}
			return strings.Fields(endpointNames(p.Items)), p.NextPageToken, nil
		}
		for _, c := range []struct {
			what    string
			run     pager
			orderBy [][]string
		}{
			{"servers", servers, [][]string{nil, {"name DESC"}, {"created_at"}, {"created_at DESC"},
				{"last_updated_at DESC", "name DESC"}, {"created_at DESC", "name ASC"}}},
			{"versions", versions, [][]string{nil, {"version"}, {"version DESC"}, {"created_at DESC"},
				{"version DESC", "created_at DESC"}, {"last_updated_at", "version DESC"}}},
			{"endpoints", endpoints, [][]string{nil, {"id DESC"}, {"server_name"}, {"server_name DESC"},
				{"created_at DESC"}, {"created_at", "server_name DESC"}, {"last_updated_at DESC", "id"}}},
		} {
			for _, ob := range c.orderBy {
				for _, n := range []int{1, 2, 3} {
					t.Run(fmt.Sprintf("%s/%v/%d", c.what, ob, n), func(t *testing.T) {
						walk(t, c.run, mcpregistry.SearchRequest{OrderBy: ob}, n)
					})
				}
			}
		}
		// Tokens are bound to their query.
		p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{MaxResults: ptr(2)})
		e.must(err)
		for _, req := range []mcpregistry.SearchRequest{
			{Filter: "name LIKE '%'", PageToken: *p.NextPageToken},
			{OrderBy: []string{"name DESC"}, PageToken: *p.NextPageToken},
		} {
			_, err := e.reg.SearchServers(e.ctx, e.alice, req)
			wantErr(t, err, mlflowerr.ErrInvalid, "Invalid page token, it belongs to a different query")
		}
		_, err = e.reg.SearchVersions(e.ctx, e.alice, "io.acme/p3", mcpregistry.SearchRequest{PageToken: *p.NextPageToken})
		wantErr(t, err, mlflowerr.ErrInvalid, "Invalid page token")
		// The page size is not part of the query.
		p2, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{MaxResults: ptr(10), PageToken: *p.NextPageToken})
		e.must(err)
		if got := serverNames(p2.Items); got != "p2 p3 p4 p5 p6" {
			t.Errorf("second page with another size = %q", got)
		}
	})
}

// TestPaginationUnderWrites: a keyset page starts after the last row the
// client saw, whatever was inserted or deleted meanwhile.
func TestPaginationUnderWrites(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		for _, n := range []string{"b1", "b2", "b3", "b4", "b5"} {
			e.mustRegister("io.acme/"+n, "1.0.0", "")
		}
		p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{MaxResults: ptr(2)})
		e.must(err)
		e.must(e.reg.DeleteServer(e.ctx, e.alice, "io.acme/b2")) // on the page already read
		e.mustRegister("io.acme/a0", "1.0.0", "")                // before the position
		e.mustRegister("io.acme/b25", "1.0.0", "")               // right after it
		p, err = e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{MaxResults: ptr(2), PageToken: *p.NextPageToken})
		e.must(err)
		if got := serverNames(p.Items); got != "b25 b3" {
			t.Errorf("page after writes = %q, want b25 b3", got)
		}
	})
}

// TestForgedPosition: page tokens are checksummed, not signed, so a client
// can build one; a position the store cannot use is a 400, not a DB error.
func TestForgedPosition(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		e.mustRegister("io.acme/f1", "1.0.0", "")
		order, err := search.ParseOrderBy(search.Servers, nil)
		e.must(err)
		fp := search.Fingerprint{Resource: search.Servers, Workspace: "default", Order: order}
		for _, pos := range []search.Value{search.NullValue(search.KindString), search.StringValue("a\x00b"), search.StringValue("\xff")} {
			tok, err := search.EncodeToken(fp, []search.Value{pos})
			e.must(err)
			_, err = e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{PageToken: tok})
			wantErr(t, err, mlflowerr.ErrInvalid, "Invalid page token, malformed position")
		}
		// A well-formed forged position is just a position.
		tok, err := search.EncodeToken(fp, []search.Value{search.StringValue("io.acme/f0")})
		e.must(err)
		p, err := e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{PageToken: tok})
		e.must(err)
		if serverNames(p.Items) != "f1" {
			t.Errorf("forged position page = %q", serverNames(p.Items))
		}
		vorder, err := search.ParseOrderBy(search.Versions, []string{"version"})
		e.must(err)
		vfp := search.Fingerprint{Resource: search.Versions, Workspace: "default", Scope: "io.acme/f1", Order: vorder}
		tok, err = search.EncodeToken(vfp, []search.Value{search.IntValue(1 << 40), search.IntValue(0), search.IntValue(0),
			search.StringValue("2"), search.IntValue(0), search.StringValue("")})
		e.must(err)
		vp, err := e.reg.SearchVersions(e.ctx, e.alice, "io.acme/f1", mcpregistry.SearchRequest{OrderBy: []string{"version"}, PageToken: tok})
		e.must(err) // a major beyond INTEGER compares instead of failing
		if len(vp.Items) != 0 {
			t.Errorf("versions after major 2^40: %v", versionNames(vp.Items))
		}
	})
}
