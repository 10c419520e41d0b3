package search_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

var allResources = []search.Resource{search.Servers, search.Versions, search.Endpoints}

// FuzzParseFilter: for any input and every resource, parsing never panics,
// fails only with ErrInvalid, is deterministic, and what it returns obeys
// the contract the store compiles against.
func FuzzParseFilter(f *testing.F) {
	for _, vectors := range loadVectors(f).Filters {
		for _, v := range vectors {
			f.Add(v.Filter)
		}
	}
	for _, s := range []string{"'; DROP TABLE x; --", "((((", "name = 'a\x00'", "\xff", "AND AND",
		"status IN ('a',)", "version > '1.0.0-rc.1'", "tags.`k`.\"x\" IS NOT NULL", "created_at > -1.5e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		for _, r := range allResources {
			got, err := search.ParseFilter(r, filter, checkVersion)
			if err != nil {
				if !errors.Is(err, mlflowerr.ErrInvalid) {
					t.Fatalf("%s: error %v is not ErrInvalid", r, err)
				}
				continue
			}
			again, _ := search.ParseFilter(r, filter, checkVersion)
			if !reflect.DeepEqual(got, again) {
				t.Fatalf("%s: parse is not deterministic", r)
			}
			checkClauses(t, r, got)
		}
	})
}

func checkClauses(t *testing.T, r search.Resource, cs []search.Clause) {
	t.Helper()
	if len(cs) > search.MaxClauses {
		t.Fatalf("%d clauses", len(cs))
	}
	for _, c := range cs {
		if c.Kind == search.Tag && r != search.Servers || c.Kind != search.Tag && c.Kind != search.Attribute {
			t.Fatalf("%s: clause kind %v", r, c.Kind)
		}
		numeric := c.Kind == search.Attribute && (c.Key == "created_at" || c.Key == "last_updated_at")
		switch v := c.Value.(type) {
		case int64, float64:
			if !numeric || c.Op == search.OpLike || c.Op == search.OpILike || c.Op == search.OpIn {
				t.Fatalf("number for %s %s", c.Key, c.Op)
			}
		case bool:
			if c.Key != "has_access_endpoints" || c.Op != search.OpEq || r != search.Servers {
				t.Fatalf("bool for %s %s", c.Key, c.Op)
			}
		case []string:
			if c.Key != "status" || c.Op != search.OpIn || c.Kind != search.Attribute || len(v) > search.MaxInValues {
				t.Fatalf("list for %s %s (%d values)", c.Key, c.Op, len(v))
			}
			for _, s := range v {
				if strings.IndexFunc(s, unicode.IsUpper) >= 0 {
					t.Fatalf("IN kept %q", s)
				}
			}
		case string:
			if numeric || c.Op == search.OpIn || c.Key == "has_access_endpoints" {
				t.Fatalf("string for %s %s", c.Key, c.Op)
			}
		default:
			t.Fatalf("value type %T", c.Value)
		}
	}
}

// FuzzOrderBy: never panics, fails only with ErrInvalid, and every success
// is a total order that starts with the client's terms.
func FuzzOrderBy(f *testing.F) {
	for clause := range loadVectors(f).OrderBy {
		f.Add(uint8(0), clause, "")
	}
	f.Add(uint8(1), "`version` DESC", "created_at")
	f.Add(uint8(2), "id", "server_name desc")
	f.Fuzz(func(t *testing.T, rb uint8, a, b string) {
		r := allResources[int(rb)%len(allResources)]
		for _, in := range [][]string{{a}, {a, b}} {
			terms, err := search.ParseOrderBy(r, in)
			if err != nil {
				if !errors.Is(err, mlflowerr.ErrInvalid) {
					t.Fatalf("error %v is not ErrInvalid", err)
				}
				continue
			}
			assertTotalOrder(t, r, terms)
			if len(terms) < len(in) {
				t.Fatalf("%q gave only %d terms", in, len(terms))
			}
		}
	})
}

// FuzzDecodeToken: arbitrary text never decodes under a fingerprint it was
// not made for, and under the one it was made for only the exact token
// EncodeToken produces decodes.
func FuzzDecodeToken(f *testing.F) {
	made := search.Fingerprint{Resource: search.Versions, Workspace: "default", Scope: "io.github.a/b",
		Order: mustOrder(f, search.Versions, "`version` DESC")}
	other := made
	other.Scope = "io.github.a/c"
	for _, pos := range [][]search.Value{
		{search.IntValue(1), search.IntValue(2), search.IntValue(3), search.StringValue("2"),
			search.IntValue(1700000000000), search.StringValue("1.2.3")},
		{search.NullValue(search.KindInt), search.IntValue(0), search.IntValue(0), search.StringValue(""),
			search.IntValue(-1), search.StringValue("0.0.0+x")},
	} {
		f.Add(mustEncode(f, made, pos))
	}
	f.Add("")
	f.Add("eyJvZmZzZXQiOiAxMDB9")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := search.DecodeToken(s, other); err != nil && !errors.Is(err, mlflowerr.ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		} else if err == nil && s != "" {
			t.Fatalf("%q decoded under a fingerprint it was not made for", s)
		}
		pos, err := search.DecodeToken(s, made)
		if err != nil {
			if !errors.Is(err, mlflowerr.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if s == "" {
			return
		}
		if again := mustEncode(t, made, pos); again != s {
			t.Fatalf("%q decoded but is not the token of its position (%q)", s, again)
		}
	})
}
