package tracking

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestDestinationIDMatchesPython(t *testing.T) {
	f, err := os.Open("testdata/destination-ids.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("bad line %q", sc.Text())
		}
		if got := DestinationID(cols[0], cols[1], cols[2]); got != cols[3] {
			t.Errorf("DestinationID(%q, %q, %q) = %s, Python says %s", cols[0], cols[1], cols[2], got, cols[3])
		}
		n++
	}
	if n == 0 {
		t.Fatal("no vectors read")
	}
}

func TestDestinationIDIsUnambiguous(t *testing.T) {
	// Parts that concatenate to the same text must not collide.
	ids := []string{
		DestinationID("ab", "c/d", "1.0.0"),
		DestinationID("a", "bc/d", "1.0.0"),
		DestinationID("ab", "c/d1", ".0.0"),
	}
	for i, id := range ids {
		if len(id) != 36 {
			t.Errorf("id %q is %d characters", id, len(id))
		}
		if slices.Index(ids, id) != i {
			t.Errorf("collision: %v", ids)
		}
	}
}

func TestRenderLinkedTagMatchesPython(t *testing.T) {
	raw, err := os.ReadFile("testdata/linked-tag-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Case string `json:"case"`
		Refs []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"refs"`
		Python string `json:"python_json_dumps"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		t.Run(v.Case, func(t *testing.T) {
			refs := make([]VersionRef, len(v.Refs))
			for i, r := range v.Refs {
				refs[i] = VersionRef{Name: r.Name, Version: r.Version}
			}
			got := renderLinkedTag(refs)
			if got != v.Python {
				t.Fatalf("render = %s\nPython  %s", got, v.Python)
			}
			back, ok := parseLinkedTag(got)
			if !ok || !slices.Equal(back, refs) {
				t.Fatalf("parse(render) = %v, %v; want %v", back, ok, refs)
			}
		})
	}
}

func TestParseLinkedTag(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []VersionRef
		ok    bool
	}{
		{"list", `[{"name": "a/b", "version": "1"}]`, []VersionRef{{"a/b", "1"}}, true},
		{"empty list", `[]`, nil, true},
		{"extra keys kept as name and version", `[{"name": "a/b", "version": "1", "x": 2}]`, []VersionRef{{"a/b", "1"}}, true},
		{"entries of the wrong shape skipped", `[1, {"name": "a/b"}, {"name": "a/b", "version": 3}, {"name": "c/d", "version": "2"}]`,
			[]VersionRef{{"c/d", "2"}}, true},
		{"object", `{"name": "a/b", "version": "1"}`, nil, false},
		{"not JSON", `a/b@1`, nil, false},
		{"empty", ``, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseLinkedTag(tt.value)
			if ok != tt.ok || !slices.Equal(got, tt.want) {
				t.Fatalf("parseLinkedTag(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMatchRoute(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		path   string
		want   route
	}{
		{"link", "", "/api/3.0/mlflow/traces/link-mcp-server-versions", route{kind: routeLink}},
		{"unlink ajax", "", "/ajax-api/3.0/mlflow/traces/unlink-mcp-server-versions", route{kind: routeUnlink}},
		{"trace versions", "", "/api/3.0/mlflow/traces/tr-abc/mcp-server-versions", route{kind: routeTraceVersions, traceID: "tr-abc"}},
		{"trace id decoded", "", "/api/3.0/mlflow/traces/tr%2Dx/mcp-server-versions", route{kind: routeTraceVersions, traceID: "tr-x"}},
		{"trace id with a slash is MLflow's", "", "/api/3.0/mlflow/traces/a/b/mcp-server-versions", route{}},
		{"other trace routes are MLflow's", "", "/api/3.0/mlflow/traces/tr-abc/tags", route{}},
		{"search traces is MLflow's", "", "/api/3.0/mlflow/traces", route{}},
		{"version traces raw slash", "", "/api/3.0/mlflow/mcp-servers/io.github.a/brave/versions/1.2.0/traces",
			route{kind: routeVersionTraces, name: "io.github.a/brave", version: "1.2.0"}},
		{"version traces %2F", "", "/ajax-api/3.0/mlflow/mcp-servers/io.github.a%2Fbrave/versions/1.2.0%2Bb1/traces",
			route{kind: routeVersionTraces, name: "io.github.a/brave", version: "1.2.0+b1"}},
		{"server traces raw slash", "", "/api/3.0/mlflow/mcp-servers/io.github.a/brave/traces",
			route{kind: routeServerTraces, name: "io.github.a/brave"}},
		{"server traces %2F", "", "/api/3.0/mlflow/mcp-servers/io.github.a%2Fbrave/traces",
			route{kind: routeServerTraces, name: "io.github.a/brave"}},
		{"server named ns/traces is the registry's", "", "/api/3.0/mlflow/mcp-servers/io.github.a/traces", route{}},
		{"encoded ns%2Ftraces is the registry's", "", "/api/3.0/mlflow/mcp-servers/io.github.a%2Ftraces", route{}},
		{"registry version route", "", "/api/3.0/mlflow/mcp-servers/io.github.a/brave/versions/1.2.0", route{}},
		{"invalid name", "", "/api/3.0/mlflow/mcp-servers/a/b/c/traces", route{}},
		{"static prefix", "/mlflow", "/mlflow/api/3.0/mlflow/traces/link-mcp-server-versions", route{kind: routeLink}},
		{"static prefix required", "/mlflow", "/api/3.0/mlflow/traces/link-mcp-server-versions", route{}},
		{"escaped static prefix", "/my%20ml", "/my%20ml/api/3.0/mlflow/mcp-servers/io.github.a/brave/traces",
			route{kind: routeServerTraces, name: "io.github.a/brave"}},
		{"api 2.0 is MLflow's", "", "/api/2.0/mlflow/traces/link-mcp-server-versions", route{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchRoute(tt.prefix, tt.path); got != tt.want {
				t.Fatalf("matchRoute(%q, %q) = %+v, want %+v", tt.prefix, tt.path, got, tt.want)
			}
		})
	}
	if !IsTraceRoute("/my ml", "/my%20ml/api/3.0/mlflow/traces/link-mcp-server-versions") {
		t.Error("IsTraceRoute does not escape the static prefix")
	}
}
