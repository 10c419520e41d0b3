package search_test

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// checkVersion is what mcpregistry hands ParseFilter: the real SemVer parser.
func checkVersion(v string) error {
	_, err := mcpregistry.ParseVersionField(mcpregistry.VersionFieldFilter, v)
	return err
}

// vectorClause is one parsed clause as MLflow's parser printed it.
type vectorClause struct {
	Type       string          `json:"type"`
	Key        string          `json:"key"`
	Comparator string          `json:"comparator"`
	Value      json.RawMessage `json:"value"`
}

type filterVector struct {
	Filter    string         `json:"filter"`
	OK        bool           `json:"ok"`
	Parsed    []vectorClause `json:"parsed"`
	ErrorCode string         `json:"error_code"`
	Message   string         `json:"message"`
}

type orderByVector struct {
	OK      bool              `json:"ok"`
	Parsed  []json.RawMessage `json:"parsed"` // [key, ascending]
	Message string            `json:"message"`
}

type vectorFile struct {
	Filters map[string][]filterVector `json:"filters"`
	OrderBy map[string]orderByVector  `json:"order_by"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/filter-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

var resources = map[string]search.Resource{
	"servers": search.Servers, "versions": search.Versions, "endpoints": search.Endpoints,
}

// filterOverride is our result where it deliberately differs from MLflow's.
// Every entry is listed in COMPATIBILITY.md.
type filterOverride struct {
	ok      bool
	parsed  string // clauses rendered by renderClauses
	message string
}

var filterOverrides = map[string]map[string]filterOverride{
	"servers": {
		"name like '%search%'": {ok: true, parsed: "attribute name LIKE %search%"},
		"status in ('active')": {ok: true, parsed: "attribute status IN [active]"},
		"version = '1.0.0'": {message: "Invalid attribute key 'version' specified. Valid keys are " +
			"'{'created_at', 'display_name', 'has_access_endpoints', 'last_updated_at', 'name', 'status'}'"},
		"created_at LIKE 1": {message: "Invalid comparator 'LIKE' for numeric attribute 'created_at'. " +
			"Use one of '=', '!=', '<', '<=', '>', '>='."},
	},
	"versions": {
		"version IN ('1.0.0')": {message: "Only 'status' supports IN comparisons for MCP server versions, got 'version'."},
	},
	"endpoints": {
		"server_name = 'a/b'":                {ok: true, parsed: "attribute server_name = a/b"},
		"status IN ('active', 'deprecated')": {ok: true, parsed: "attribute status IN [active deprecated]"},
		"server_name LIKE 'io.%'":            {ok: true, parsed: "attribute server_name LIKE io.%"},
		"server_name IN ('a/b')":             {message: "Only 'status' supports IN comparisons for MCP access endpoints, got 'server_name'."},
		"transport_type = 'sse' AND server_name = 'x'": {ok: true,
			parsed: "attribute transport_type = sse; attribute server_name = x"},
	},
}

// TestFilterVectors runs every filter MLflow's parser was run on. Where we
// agree, parsed clauses and error messages must match exactly; where we
// deliberately differ, the override is pinned instead.
func TestFilterVectors(t *testing.T) {
	v := loadVectors(t)
	if n := len(v.Filters["servers"]) + len(v.Filters["versions"]) + len(v.Filters["endpoints"]); n != 95 {
		t.Fatalf("expected 95 filter vectors, found %d", n)
	}
	used := 0
	for name, vectors := range v.Filters {
		r := resources[name]
		for _, vec := range vectors {
			t.Run(name+"/"+vec.Filter, func(t *testing.T) {
				got, err := search.ParseFilter(r, vec.Filter, checkVersion)
				if o, ok := filterOverrides[name][vec.Filter]; ok {
					used++
					if o.ok == vec.OK && o.message == vec.Message {
						t.Fatal("override equals MLflow's result; remove it")
					}
					assertResult(t, got, err, o.ok, o.parsed, o.message)
					return
				}
				if vec.OK {
					assertClauses(t, got, err, vec.Parsed)
					return
				}
				if vec.ErrorCode != "INVALID_PARAMETER_VALUE" {
					t.Fatalf("vector has error code %q", vec.ErrorCode)
				}
				assertInvalid(t, err, vec.Message)
			})
		}
	}
	want := 0
	for _, m := range filterOverrides {
		want += len(m)
	}
	if used != want {
		t.Errorf("%d of %d overrides matched a vector; a stale override hides nothing", used, want)
	}
}

func assertResult(t *testing.T, got []search.Clause, err error, ok bool, parsed, message string) {
	t.Helper()
	if !ok {
		assertInvalid(t, err, message)
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if r := renderClauses(got); r != parsed {
		t.Fatalf("clauses:\n got %s\nwant %s", r, parsed)
	}
}

// renderClauses prints clauses compactly: "kind key OP value; ...".
func renderClauses(cs []search.Clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		var v string
		switch x := c.Value.(type) {
		case string:
			v = x
		case int64:
			v = "int:" + strconv.FormatInt(x, 10)
		case float64:
			v = "float:" + strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			v = "bool:" + strconv.FormatBool(x)
		case []string:
			v = "[" + strings.Join(x, " ") + "]"
		default:
			v = "?"
		}
		parts[i] = c.Kind.String() + " " + c.Key + " " + string(c.Op) + " " + v
	}
	return strings.Join(parts, "; ")
}

// assertClauses compares with MLflow's printed clauses. MLflow keeps numbers
// and booleans as the text written; we type them, so compare by meaning.
func assertClauses(t *testing.T, got []search.Clause, err error, want []vectorClause) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d clauses (%s), want %d", len(got), renderClauses(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind.String() != w.Type || g.Key != w.Key || string(g.Op) != w.Comparator {
			t.Fatalf("clause %d: got %s, want %s %s %s", i, renderClauses(got[i:i+1]), w.Type, w.Key, w.Comparator)
		}
		if !valueMatches(t, g.Value, w.Value) {
			t.Fatalf("clause %d value: got %#v, want %s", i, g.Value, w.Value)
		}
	}
}

func valueMatches(t *testing.T, got any, raw json.RawMessage) bool {
	t.Helper()
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		g, ok := got.([]string)
		return ok && slices.Equal(g, list)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("vector value %s is neither a string nor a list", raw)
	}
	switch g := got.(type) {
	case string:
		return g == s
	case int64:
		return strconv.FormatInt(g, 10) == s
	case float64:
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && f == g
	case bool:
		return strings.EqualFold(strconv.FormatBool(g), s)
	}
	return false
}

// pySet matches MLflow's "Valid keys are '{...}'" whose order is random.
var pySet = regexp.MustCompile(`'\{('[^']*'(?:, '[^']*')*)\}'`)

func normaliseSet(msg string) string {
	return pySet.ReplaceAllStringFunc(msg, func(m string) string {
		items := strings.Split(m[2:len(m)-2], ", ")
		sort.Strings(items)
		return "'{" + strings.Join(items, ", ") + "}'"
	})
}

func assertInvalid(t *testing.T, err error, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", message)
	}
	if !errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("error %v is not ErrInvalid", err)
	}
	if code, _ := mlflowerr.Code(err); code != "INVALID_PARAMETER_VALUE" {
		t.Fatalf("error code %s", code)
	}
	if message != "" && normaliseSet(err.Error()) != normaliseSet(message) {
		t.Fatalf("message:\n got %q\nwant %q", err.Error(), message)
	}
}
