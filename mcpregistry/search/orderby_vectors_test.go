package search_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
)

// orderKeys are each resource's order_by keys, as the MLflow store checks
// them after parsing (Python's sorted() list in the message).
var orderKeys = map[search.Resource][]string{
	search.Servers:   {"created_at", "last_updated_at", "name"},
	search.Versions:  {"created_at", "last_updated_at", "version"},
	search.Endpoints: {"created_at", "id", "last_updated_at", "server_name"},
}

// orderByOverrides are the clauses MLflow cannot parse (or parses with the
// quotes kept in the key) that we read as the obvious key and direction.
var orderByOverrides = map[string]struct {
	key string
	asc bool
}{
	"`version`":    {"version", true},
	"version":      {"version", true},
	"version DESC": {"version", false},
	"server_name":  {"server_name", true},
	"\"name\"":     {"name", true},
	"`name`":       {"name", true},
}

// TestOrderByVectors runs each order_by vector through every resource. The
// vectors are MLflow's parse step; the key check after it is the store's
// (unknown key → "Invalid order_by key ..."), so the expected result per
// resource follows from the parse result and that resource's key list.
func TestOrderByVectors(t *testing.T) {
	v := loadVectors(t)
	if len(v.OrderBy) != 27 {
		t.Fatalf("expected 27 order_by vectors, found %d", len(v.OrderBy))
	}
	for clause, vec := range v.OrderBy {
		key, asc, parsed := vectorOrder(t, vec)
		o, overridden := orderByOverrides[clause]
		if overridden {
			if parsed && o.key == key && o.asc == asc {
				t.Fatalf("%q: override equals MLflow's parse; remove it", clause)
			}
			key, asc, parsed = o.key, o.asc, true
		}
		for r, keys := range orderKeys {
			t.Run(r.String()+"/"+clause, func(t *testing.T) {
				terms, err := search.ParseOrderBy(r, []string{clause})
				switch {
				case !parsed:
					assertInvalid(t, err, vec.Message)
				case !slices.Contains(keys, key):
					assertInvalid(t, err, "Invalid order_by key '"+key+"'. Valid keys: ['"+
						strings.Join(keys, "', '")+"']")
				case err != nil:
					t.Fatalf("unexpected error: %v", err)
				case terms[0] != (search.OrderTerm{Key: search.OrderKey(key), Desc: !asc}):
					t.Fatalf("first term %+v, want %s asc=%v", terms[0], key, asc)
				}
			})
		}
	}
	for clause := range orderByOverrides {
		if _, ok := v.OrderBy[clause]; !ok {
			t.Errorf("override %q matches no vector", clause)
		}
	}
}

func vectorOrder(t *testing.T, vec orderByVector) (key string, asc, ok bool) {
	t.Helper()
	if !vec.OK {
		return "", false, false
	}
	if len(vec.Parsed) != 2 || json.Unmarshal(vec.Parsed[0], &key) != nil || json.Unmarshal(vec.Parsed[1], &asc) != nil {
		t.Fatalf("malformed order_by vector %v", vec.Parsed)
	}
	return key, asc, true
}
