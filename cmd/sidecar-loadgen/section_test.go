package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	b, e := sectionMarkers("registry")
	pb, pe := sectionMarkers("proxy")
	cases := []struct {
		name, doc, body, want, err string
	}{
		{name: "empty document", doc: "", body: "new\n", want: b + "\nnew\n" + e + "\n"},
		{name: "appended after text", doc: "# B\n\nintro\n", body: "new", want: "# B\n\nintro\n\n" + b + "\nnew\n" + e + "\n"},
		{name: "replaced in place, neighbours kept",
			doc:  "# B\n\n" + pb + "\nproxy\n" + pe + "\n\n" + b + "\nold\nold\n" + e + "\n\n## Analysis\nkept\n",
			body: "new\n\n\n",
			want: "# B\n\n" + pb + "\nproxy\n" + pe + "\n\n" + b + "\nnew\n" + e + "\n\n## Analysis\nkept\n"},
		{name: "other section untouched", doc: pb + "\nproxy\n" + pe + "\n", body: "r",
			want: pb + "\nproxy\n" + pe + "\n\n" + b + "\nr\n" + e + "\n"},
		{name: "begin without end", doc: b + "\nold\n", body: "x", err: "begin marker without end marker"},
		{name: "end without begin", doc: "old\n" + e + "\n", body: "x", err: "end marker without begin marker"},
		{name: "twice", doc: b + "\n1\n" + e + "\n" + b + "\n2\n" + e + "\n", body: "x", err: "appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := replaceSection([]byte(c.doc), "registry", []byte(c.body))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// -out through runMode: the file is created with a header, a second run
// replaces only its own section, and hand-written text survives.
func TestRunModeWritesItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	o := options{mode: "gobench", goBench: "testdata/go-bench.txt", out: path}
	if err := runMode(o, nil, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), newFileHeader) || !strings.Contains(string(first), "BenchmarkRegistry/GetServer") {
		t.Fatalf("first run wrote:\n%s", first)
	}
	if err := os.WriteFile(path, append(first, "\n## Analysis\n\nwritten by hand\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	o.goBenchCmd = "go test -bench . ./..."
	if err := runMode(o, nil, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	begin, _ := sectionMarkers("gobench")
	for _, want := range []string{"written by hand", "- Command: `go test -bench . ./...`"} {
		if !strings.Contains(string(second), want) {
			t.Errorf("second run lost %q:\n%s", want, second)
		}
	}
	if n := strings.Count(string(second), begin); n != 1 {
		t.Errorf("%d gobench sections after two runs", n)
	}
}

func TestSectionName(t *testing.T) {
	cases := []struct {
		o    options
		want string
	}{
		{options{mode: "proxy"}, "proxy"},
		{options{mode: "proxy", delay: 1e6}, "proxy-upstream-delay-1ms"},
		{options{mode: "registry"}, "registry"},
		{options{mode: "registry", section: "custom"}, "custom"},
	}
	for _, c := range cases {
		if got := sectionName(c.o); got != c.want {
			t.Errorf("sectionName(%+v) = %q, want %q", c.o, got, c.want)
		}
	}
}
