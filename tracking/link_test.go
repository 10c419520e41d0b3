package tracking_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

const (
	brave   = "io.github.acme/brave-search"
	weather = "com.example/weather"
	ws      = "default"
)

var uuid4Form = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// seedBasic makes experiment 1 with traces tr-1 and tr-2 and three versions
// (one deleted, one draft).
func seedBasic(f *fixture) {
	f.experiment(1, ws)
	f.trace("tr-1", 1, 1000)
	f.trace("tr-2", 1, 2000)
	f.version(ws, brave, "1.2.0", mcpregistry.StatusActive)
	f.version(ws, brave, "1.3.0-rc.1", mcpregistry.StatusDraft)
	f.version(ws, weather, "2.0.0", mcpregistry.StatusActive)
	f.version(ws, weather, "1.0.0", mcpregistry.StatusDeleted)
}

func TestLinkRelinkUnlink(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		b120, b13, w2 := ref(brave, "1.2.0"), ref(brave, "1.3.0-rc.1"), ref(weather, "2.0.0")
		steps := []struct {
			name   string
			unlink bool
			refs   []tracking.VersionRef
			tag    string // "" means no tag row
		}{
			{"link one", false, []tracking.VersionRef{b120},
				`[{"name": "io.github.acme/brave-search", "version": "1.2.0"}]`},
			{"relink is a no-op", false, []tracking.VersionRef{b120},
				`[{"name": "io.github.acme/brave-search", "version": "1.2.0"}]`},
			{"link two more, one repeated", false, []tracking.VersionRef{w2, b120, b13, w2},
				`[{"name": "io.github.acme/brave-search", "version": "1.2.0"}, {"name": "com.example/weather", "version": "2.0.0"}, ` +
					`{"name": "io.github.acme/brave-search", "version": "1.3.0-rc.1"}]`},
			{"unlink the first", true, []tracking.VersionRef{b120},
				`[{"name": "com.example/weather", "version": "2.0.0"}, {"name": "io.github.acme/brave-search", "version": "1.3.0-rc.1"}]`},
			{"unlink something not linked", true, []tracking.VersionRef{b120},
				`[{"name": "com.example/weather", "version": "2.0.0"}, {"name": "io.github.acme/brave-search", "version": "1.3.0-rc.1"}]`},
			{"relink keeps the order of the tag", false, []tracking.VersionRef{b120},
				`[{"name": "com.example/weather", "version": "2.0.0"}, {"name": "io.github.acme/brave-search", "version": "1.3.0-rc.1"}, ` +
					`{"name": "io.github.acme/brave-search", "version": "1.2.0"}]`},
			{"unlink all", true, []tracking.VersionRef{b120, w2, b13}, ""},
			{"unlink with nothing linked", true, []tracking.VersionRef{w2}, ""},
		}
		before := map[string]assoc{}
		for _, st := range steps {
			var err error
			if st.unlink {
				err = f.svc.Unlink(f.ctx, ws, "tr-1", st.refs)
			} else {
				err = f.svc.Link(f.ctx, ws, "tr-1", st.refs)
			}
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			tag := f.tag("tr-1")
			if (tag == nil) != (st.tag == "") || (tag != nil && *tag != st.tag) {
				t.Fatalf("%s: tag = %v, want %q", st.name, deref(tag), st.tag)
			}
			links := f.links("tr-1")
			var fromTag []tracking.VersionRef
			if tag != nil {
				fromTag = parseTag(t, *tag)
			}
			if got, want := linkedIDs(links), destIDs(ws, fromTag...); !slices.Equal(got, want) {
				t.Fatalf("%s: associations %v do not match the tag's %v", st.name, got, want)
			}
			for _, a := range links {
				if !uuid4Form.MatchString(a.ID) || a.Created != clockMillis {
					t.Fatalf("%s: association %+v: want a str(uuid4()) id and created_time %d", st.name, a, clockMillis)
				}
				if old, ok := before[a.DestinationID]; ok && old != a {
					t.Fatalf("%s: existing association rewritten: %+v → %+v", st.name, old, a)
				}
			}
			clear(before)
			for _, a := range links {
				before[a.DestinationID] = a
			}
		}
		if l := f.links("tr-2"); len(l) != 0 || f.tag("tr-2") != nil {
			t.Fatalf("other trace touched: %v %v", l, f.tag("tr-2"))
		}
	})
}

func TestNothingWrittenWhenAnItemFails(t *testing.T) {
	tests := []struct {
		name   string
		unlink bool
		trace  string
		refs   []tracking.VersionRef
		kind   error
		msg    string
	}{
		{"unknown version among valid ones", false, "tr-1",
			[]tracking.VersionRef{ref(weather, "2.0.0"), ref(brave, "9.9.9"), ref(brave, "1.2.0")},
			mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/brave-search' version '9.9.9' not found"},
		{"deleted version", false, "tr-1", []tracking.VersionRef{ref(brave, "1.2.0"), ref(weather, "1.0.0")},
			mlflowerr.ErrNotFound, "MCP server version 'com.example/weather' version '1.0.0' not found"},
		{"unknown server", false, "tr-1", []tracking.VersionRef{ref("io.github.nobody/x", "1.0.0")},
			mlflowerr.ErrNotFound, "MCP server version 'io.github.nobody/x' version '1.0.0' not found"},
		{"unknown trace", false, "tr-missing", []tracking.VersionRef{ref(brave, "1.2.0")},
			tracking.ErrTraceNotFound, "Trace with request_id 'tr-missing' not found."},
		{"trace id too long for entity_associations", false, "tr-" + strings.Repeat("a", 34), []tracking.VersionRef{ref(brave, "1.2.0")},
			mlflowerr.ErrInvalid, "cannot be linked"},
		{"too many items", false, "tr-1", slices.Repeat([]tracking.VersionRef{ref(brave, "1.2.0")}, tracking.MaxRefsPerCall+1),
			mlflowerr.ErrInvalid, "at most 100 versions"},
		{"unlink an unknown version among linked ones", true, "tr-1",
			[]tracking.VersionRef{ref(weather, "2.0.0"), ref(brave, "0.0.1")},
			tracking.ErrVersionNotFound, "MCP server version 'io.github.acme/brave-search' version '0.0.1' not found"},
		{"unlink on an unknown trace", true, "tr-nope", []tracking.VersionRef{ref(weather, "2.0.0")},
			mlflowerr.ErrNotFound, "Trace with request_id 'tr-nope' not found."},
	}
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		if err := f.svc.Link(f.ctx, ws, "tr-1", []tracking.VersionRef{ref(weather, "2.0.0")}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.checksums()
				var err error
				if tt.unlink {
					err = f.svc.Unlink(f.ctx, ws, tt.trace, tt.refs)
				} else {
					err = f.svc.Link(f.ctx, ws, tt.trace, tt.refs)
				}
				if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.kind, tt.msg)
				}
				if after := f.checksums(); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatalf("tables changed by a failed call:\n%v\n%v", before, after)
				}
			})
		}
	})
}

func TestUnlinkDeletedVersion(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		seedBasic(f)
		if err := f.svc.Link(f.ctx, ws, "tr-1", []tracking.VersionRef{ref(brave, "1.2.0")}); err != nil {
			t.Fatal(err)
		}
		f.deleteVersion(ws, brave, "1.2.0")
		if err := f.svc.Link(f.ctx, ws, "tr-1", []tracking.VersionRef{ref(brave, "1.2.0")}); !errors.Is(err, tracking.ErrVersionNotFound) {
			t.Fatalf("relinking a deleted version: %v", err)
		}
		if err := f.svc.Unlink(f.ctx, ws, "tr-1", []tracking.VersionRef{ref(brave, "1.2.0")}); err != nil {
			t.Fatalf("unlinking a deleted version: %v", err)
		}
		if len(f.links("tr-1")) != 0 || f.tag("tr-1") != nil {
			t.Fatal("links left after unlink")
		}
	})
}

func TestTagOverLimitIsRefused(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		f.experiment(1, ws)
		f.trace("tr-1", 1, 1000)
		// Each entry renders as {"name": "<name>", "version": "1.0.N"}, about 270
		// characters with a 230-character name: 30 fit, 31 do not.
		name := "io.github.acme/" + strings.Repeat("x", 215)
		var refs []tracking.VersionRef
		for i := range 31 {
			v := fmt.Sprintf("1.0.%d", i)
			f.version(ws, name, v, mcpregistry.StatusActive)
			refs = append(refs, ref(name, v))
		}
		var n int
		for n = 1; n <= len(refs); n++ {
			if err := f.svc.Link(f.ctx, ws, "tr-1", refs[n-1:n]); err != nil {
				if !errors.Is(err, mlflowerr.ErrInvalid) || !strings.Contains(err.Error(), "limit of 8000") {
					t.Fatalf("link %d: %v", n, err)
				}
				break
			}
		}
		tag := f.tag("tr-1")
		if n > len(refs) || tag == nil || len(*tag) > tracking.MaxTagValueLen || len(*tag)+270 <= tracking.MaxTagValueLen {
			t.Fatalf("refused at link %d with a tag of %d characters", n, len(deref(tag)))
		}
		if got := len(f.links("tr-1")); got != n-1 {
			t.Fatalf("%d associations after %d successful links", got, n-1)
		}
	})
}

func TestConcurrentLinksKeepEveryTagEntry(t *testing.T) {
	schemas(t, func(t *testing.T, f *fixture) {
		f.experiment(1, ws)
		f.trace("tr-1", 1, 1000)
		var want []tracking.VersionRef
		for i := range 8 {
			r := ref(brave, fmt.Sprintf("1.%d.0", i))
			f.version(ws, r.Name, r.Version, mcpregistry.StatusActive)
			want = append(want, r)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(want))
		for i, r := range want {
			wg.Go(func() { errs[i] = f.svc.Link(f.ctx, ws, "tr-1", []tracking.VersionRef{r}) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		tag := f.tag("tr-1")
		if tag == nil {
			t.Fatal("no tag")
		}
		got := parseTag(t, *tag)
		if !slices.Equal(destIDs(ws, got...), destIDs(ws, want...)) || !slices.Equal(linkedIDs(f.links("tr-1")), destIDs(ws, want...)) {
			t.Fatalf("tag %s / associations %v lost entries of concurrent links", *tag, f.links("tr-1"))
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}
