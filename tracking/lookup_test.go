package tracking_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// row renders a listing item for comparison.
func row(it tracking.TraceLink) string {
	return fmt.Sprintf("%s@%d exp=%s %s %s@%s", it.TraceID, it.TimestampMs, it.ExperimentID, it.Status, it.Version.Name, it.Version.Version)
}

// collect pages through a listing with the given page size.
func collect(t *testing.T, size int, page func(tracking.PageRequest) (*tracking.TracePage, error)) []string {
	t.Helper()
	var out []string
	token := ""
	for i := 0; ; i++ {
		p, err := page(tracking.PageRequest{MaxResults: &size, PageToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if len(p.Items) > size {
			t.Fatalf("page %d has %d items, asked for %d", i, len(p.Items), size)
		}
		for _, it := range p.Items {
			out = append(out, row(it))
		}
		if p.NextPageToken == nil {
			return out
		}
		if len(p.Items) != size {
			t.Fatalf("page %d: %d items and a next page", i, len(p.Items))
		}
		token = *p.NextPageToken
	}
}

func TestListingsBothDirectionsWithPaging(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		f.experiment(2, ws)
		// tr-a and tr-b share a timestamp: the trace id breaks the tie.
		for _, tr := range []struct {
			id  string
			exp int64
			ts  int64
		}{{"tr-a", 1, 5000}, {"tr-b", 2, 5000}, {"tr-c", 1, 4000}, {"tr-d", 2, 7000}, {"tr-e", 1, 100}} {
			f.trace(tr.id, tr.exp, tr.ts)
		}
		b120, b13, w2 := ref(brave, "1.2.0"), ref(brave, "1.3.0-rc.1"), ref(weather, "2.0.0")
		for id, refs := range map[string][]tracking.VersionRef{
			"tr-a": {b120}, "tr-b": {b120, b13}, "tr-c": {b13, w2}, "tr-d": {b120}, "tr-e": {b120},
		} {
			if err := f.svc.Link(f.ctx, ws, id, refs); err != nil {
				t.Fatal(err)
			}
		}
		// Deleting a version keeps its history listable.
		f.deleteVersion(ws, brave, "1.2.0")

		b120Want := []string{
			"tr-d@7000 exp=2 OK io.github.acme/brave-search@1.2.0",
			"tr-b@5000 exp=2 OK io.github.acme/brave-search@1.2.0",
			"tr-a@5000 exp=1 OK io.github.acme/brave-search@1.2.0",
			"tr-e@100 exp=1 OK io.github.acme/brave-search@1.2.0",
		}
		// tr-b is linked to both versions: once per version, ordered by the
		// destination id (DESC) of each.
		bIDs := []struct{ id, v string }{
			{tracking.DestinationID(ws, brave, "1.2.0"), "1.2.0"}, {tracking.DestinationID(ws, brave, "1.3.0-rc.1"), "1.3.0-rc.1"},
		}
		slices.SortFunc(bIDs, func(a, b struct{ id, v string }) int { return strings.Compare(b.id, a.id) })
		serverWant := []string{
			"tr-d@7000 exp=2 OK io.github.acme/brave-search@1.2.0",
			"tr-b@5000 exp=2 OK io.github.acme/brave-search@" + bIDs[0].v,
			"tr-b@5000 exp=2 OK io.github.acme/brave-search@" + bIDs[1].v,
			"tr-a@5000 exp=1 OK io.github.acme/brave-search@1.2.0",
			"tr-c@4000 exp=1 OK io.github.acme/brave-search@1.3.0-rc.1",
			"tr-e@100 exp=1 OK io.github.acme/brave-search@1.2.0",
		}
		for _, size := range []int{1, 2, 3, 100} {
			got := collect(t, size, func(r tracking.PageRequest) (*tracking.TracePage, error) {
				return f.svc.TracesForVersion(f.ctx, ws, brave, "1.2.0", r)
			})
			if !slices.Equal(got, b120Want) {
				t.Fatalf("version listing, pages of %d:\n%s\nwant\n%s", size, strings.Join(got, "\n"), strings.Join(b120Want, "\n"))
			}
			got = collect(t, size, func(r tracking.PageRequest) (*tracking.TracePage, error) {
				return f.svc.TracesForServer(f.ctx, ws, brave, r)
			})
			if !slices.Equal(got, serverWant) {
				t.Fatalf("server listing, pages of %d:\n%s\nwant\n%s", size, strings.Join(got, "\n"), strings.Join(serverWant, "\n"))
			}
		}
		p, err := f.svc.TracesForVersion(f.ctx, ws, weather, "1.0.0", tracking.PageRequest{})
		if err != nil || len(p.Items) != 0 || p.NextPageToken != nil {
			t.Fatalf("a version without links: %+v %v", p, err)
		}
	})
}

func TestListingErrors(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		f.trace("tr-3", 1, 3000)
		for _, id := range []string{"tr-1", "tr-2", "tr-3"} {
			if err := f.svc.Link(f.ctx, ws, id, []tracking.VersionRef{ref(brave, "1.2.0")}); err != nil {
				t.Fatal(err)
			}
		}
		one := 1
		first, err := f.svc.TracesForVersion(f.ctx, ws, brave, "1.2.0", tracking.PageRequest{MaxResults: &one})
		if err != nil || first.NextPageToken == nil {
			t.Fatalf("first page: %+v %v", first, err)
		}
		serverFirst, err := f.svc.TracesForServer(f.ctx, ws, brave, tracking.PageRequest{MaxResults: &one})
		if err != nil || serverFirst.NextPageToken == nil {
			t.Fatalf("first server page: %+v %v", serverFirst, err)
		}
		zero, tooMany := 0, tracking.MaxResults+1
		tests := []struct {
			name string
			call func() error
			kind error
			msg  string
		}{
			{"unknown version", func() error {
				_, err := f.svc.TracesForVersion(f.ctx, ws, brave, "7.0.0", tracking.PageRequest{})
				return err
			}, mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/brave-search' version '7.0.0' not found"},
			{"unknown server", func() error {
				_, err := f.svc.TracesForServer(f.ctx, ws, "io.github.nobody/x", tracking.PageRequest{})
				return err
			}, mlflowerr.ErrNotFound, "MCP server 'io.github.nobody/x' not found"},
			{"max_results 0", func() error {
				_, err := f.svc.TracesForServer(f.ctx, ws, brave, tracking.PageRequest{MaxResults: &zero})
				return err
			}, mlflowerr.ErrInvalid, "It must be a positive integer, but got 0"},
			{"max_results over the cap", func() error {
				_, err := f.svc.TracesForVersion(f.ctx, ws, brave, "1.2.0", tracking.PageRequest{MaxResults: &tooMany})
				return err
			}, mlflowerr.ErrInvalid, "It must be at most 1000, but got 1001"},
			{"token of another version", func() error {
				_, err := f.svc.TracesForVersion(f.ctx, ws, weather, "2.0.0", tracking.PageRequest{PageToken: *first.NextPageToken})
				return err
			}, mlflowerr.ErrInvalid, "it belongs to a different query"},
			{"version token on the server listing", func() error {
				_, err := f.svc.TracesForServer(f.ctx, ws, brave, tracking.PageRequest{PageToken: *first.NextPageToken})
				return err
			}, mlflowerr.ErrInvalid, "it belongs to a different query"},
			{"server token in another workspace", func() error {
				_, err := f.svc.TracesForServer(f.ctx, "team-a", brave, tracking.PageRequest{PageToken: *serverFirst.NextPageToken})
				return err
			}, mlflowerr.ErrInvalid, "it belongs to a different query"},
			{"tampered token", func() error {
				tok := []byte(*first.NextPageToken)
				tok[len(tok)-3] ^= 1
				_, err := f.svc.TracesForVersion(f.ctx, ws, brave, "1.2.0", tracking.PageRequest{PageToken: string(tok)})
				return err
			}, mlflowerr.ErrInvalid, "Invalid page token"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.call(); !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.kind, tt.msg)
				}
			})
		}
	})
}

func TestTagRepairedFromAssociations(t *testing.T) {
	b120, b13, w2 := ref(brave, "1.2.0"), ref(brave, "1.3.0-rc.1"), ref(weather, "2.0.0")
	// Names w2, which is not linked, and lacks b120, which is.
	const strangerTag = `[{"name": "com.example/weather", "version": "2.0.0"}, ` +
		`{"name": "io.github.acme/brave-search", "version": "1.3.0-rc.1"}]`
	tests := []struct {
		name    string
		handTag string // written over the tag after linking b120 and b13
		unlink  bool
		refs    []tracking.VersionRef
		want    []tracking.VersionRef
	}{
		{"not JSON", "oops", false, []tracking.VersionRef{w2}, []tracking.VersionRef{w2, b120, b13}},
		{"an object", `{"name": "x"}`, true, []tracking.VersionRef{b13}, []tracking.VersionRef{b120}},
		{"a stranger dropped, a missing entry recovered", strangerTag, true, []tracking.VersionRef{b13}, []tracking.VersionRef{b120}},
		{"a stranger that gets linked keeps its place", strangerTag, false, []tracking.VersionRef{w2},
			[]tracking.VersionRef{w2, b13, b120}},
	}
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				trace := fmt.Sprintf("tr-repair-%d", i)
				f.trace(trace, 1, 10)
				if err := f.svc.Link(f.ctx, ws, trace, []tracking.VersionRef{b120, b13}); err != nil {
					t.Fatal(err)
				}
				f.exec(`UPDATE trace_tags SET value = $1 WHERE request_id = $2 AND "key" = $3`, tt.handTag, trace, tracking.LinkedServersTag)
				var err error
				if tt.unlink {
					err = f.svc.Unlink(f.ctx, ws, trace, tt.refs)
				} else {
					err = f.svc.Link(f.ctx, ws, trace, tt.refs)
				}
				if err != nil {
					t.Fatal(err)
				}
				tag := f.tag(trace)
				if tag == nil || !slices.Equal(parseTag(t, *tag), tt.want) {
					t.Fatalf("tag = %s, want %v", deref(tag), tt.want)
				}
				if !slices.Equal(linkedIDs(f.links(trace)), destIDs(ws, tt.want...)) {
					t.Fatalf("associations %v, want %v", f.links(trace), tt.want)
				}
			})
		}
	})
}
