package search_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// renderOrder prints terms as "key ASC, key DESC".
func renderOrder(terms []search.OrderTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		dir := " ASC"
		if t.Desc {
			dir = " DESC"
		}
		parts[i] = string(t.Key) + dir
	}
	return strings.Join(parts, ", ")
}

func TestParseOrderBy(t *testing.T) {
	cases := []struct {
		name    string
		r       search.Resource
		orderBy []string
		want    string
		err     string
	}{
		{"servers default", search.Servers, nil, "name ASC", ""},
		{"versions default", search.Versions, nil, "created_at ASC, version_string ASC", ""},
		{"endpoints default", search.Endpoints, []string{}, "id ASC", ""},
		{"servers tie-breaker", search.Servers, []string{"created_at DESC"}, "created_at DESC, name ASC", ""},
		{"servers name given", search.Servers, []string{"name DESC"}, "name DESC", ""},
		{"servers name not last", search.Servers, []string{"name desc", "last_updated_at"},
			"name DESC, last_updated_at ASC", ""},
		{"versions semver", search.Versions, []string{"`version` DESC"},
			"version DESC, created_at ASC, version_string ASC", ""},
		{"versions bare version", search.Versions, []string{"version"},
			"version ASC, created_at ASC, version_string ASC", ""},
		{"versions created_at given", search.Versions, []string{"created_at DESC"}, "created_at DESC, version_string ASC", ""},
		{"versions both", search.Versions, []string{"last_updated_at", "version DESC", "created_at"},
			"last_updated_at ASC, version DESC, created_at ASC, version_string ASC", ""},
		{"endpoints bare server_name", search.Endpoints, []string{"server_name"}, "server_name ASC, id ASC", ""},
		{"endpoints id given", search.Endpoints, []string{"created_at", "id DESC"}, "created_at ASC, id DESC", ""},
		{"quoted key alone", search.Endpoints, []string{`"created_at"`}, "created_at ASC, id ASC", ""},
		{"tab and double space", search.Servers, []string{"created_at\tDESC", "last_updated_at  asc"},
			"created_at DESC, last_updated_at ASC, name ASC", ""},
		{"duplicate", search.Servers, []string{"name", "name DESC"}, "", "Duplicate order_by field: 'name'"},
		{"duplicate through quoting", search.Versions, []string{"version", "`version` ASC"}, "",
			"Duplicate order_by field: 'version'"},
		{"the raw version tie-breaker is not a client key", search.Versions, []string{"version_string"}, "",
			"Invalid order_by key 'version_string'. Valid keys: ['created_at', 'last_updated_at', 'version']"},
		{"keys are case-sensitive", search.Servers, []string{"NAME"}, "",
			"Invalid order_by key 'NAME'. Valid keys: ['created_at', 'last_updated_at', 'name']"},
		{"quoted key with a space", search.Endpoints, []string{"`server name` DESC"}, "",
			"Invalid order_by key 'server name'. Valid keys: ['created_at', 'id', 'last_updated_at', 'server_name']"},
		{"quote glued to direction", search.Servers, []string{`"name"DESC`}, "",
			`Invalid order_by clause '"name"DESC'. Could not be parsed.`},
		{"empty clause", search.Servers, []string{""}, "", "Invalid order_by clause ''. Could not be parsed."},
		{"NUL", search.Servers, []string{"name\x00"}, "", "Invalid order_by clause 'name\x00'. Could not be parsed."},
		{"invalid UTF-8", search.Servers, []string{"name\xff"}, "", "Invalid order_by clause 'name\xff'. Could not be parsed."},
		{"SQL", search.Servers, []string{"name; DROP TABLE x"}, "",
			"Invalid order_by clause 'name; DROP TABLE x'. Could not be parsed."},
		{"expression", search.Servers, []string{"created_at+1"}, "",
			"Invalid order_by clause 'created_at+1'. Could not be parsed."},
		{"too long", search.Servers, []string{strings.Repeat("a", search.MaxOrderByBytes+1)}, "",
			"Invalid order_by clause '" + strings.Repeat("a", search.MaxOrderByBytes+1) + "'. Could not be parsed."},
		{"too many", search.Servers, make([]string, search.MaxOrderByClauses+1), "",
			"Too many order_by clauses: at most 16 are allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := search.ParseOrderBy(tc.r, tc.orderBy)
			if tc.err != "" {
				assertInvalid(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if r := renderOrder(got); r != tc.want {
				t.Fatalf("got %s, want %s", r, tc.want)
			}
			assertTotalOrder(t, tc.r, got)
		})
	}
}

// uniqueKeys is the key that makes each resource's order total.
var uniqueKeys = map[search.Resource]search.OrderKey{
	search.Servers: search.OrderName, search.Versions: search.OrderVersionString, search.Endpoints: search.OrderID,
}

// assertTotalOrder checks what keyset pagination relies on: no key twice,
// and the resource's unique key present.
func assertTotalOrder(t testing.TB, r search.Resource, terms []search.OrderTerm) {
	t.Helper()
	seen := map[search.OrderKey]bool{}
	for _, term := range terms {
		if seen[term.Key] {
			t.Fatalf("key %s twice in %s", term.Key, renderOrder(terms))
		}
		seen[term.Key] = true
	}
	if !seen[uniqueKeys[r]] {
		t.Fatalf("order %s lacks the unique key %s", renderOrder(terms), uniqueKeys[r])
	}
}

func TestParseOrderByUnknownResource(t *testing.T) {
	_, err := search.ParseOrderBy(search.Resource(9), nil)
	if err == nil || errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("unknown resource must be a programming error, got %v", err)
	}
}

func TestCheckMaxResults(t *testing.T) {
	cases := []struct {
		r   search.Resource
		n   int
		err string
	}{
		{search.Servers, search.DefaultMaxResults, ""},
		{search.Servers, 1, ""},
		{search.Servers, 1000, ""},
		{search.Servers, 1001, "Invalid value for max_results. It must be at most 1000, but got 1001"},
		{search.Servers, 60000, "Invalid value for max_results. It must be at most 1000, but got 60000"},
		{search.Servers, 0, "Invalid value for request parameter max_results. It must be a positive integer, but got 0"},
		{search.Versions, -5, "Invalid value for request parameter max_results. It must be a positive integer, but got -5"},
		{search.Versions, 50000, ""},
		{search.Versions, 50001, "Invalid value for request parameter max_results. It must be at most 50000, but got 50001"},
		{search.Endpoints, 1001, ""},
		{search.Endpoints, 1 << 40, "Invalid value for request parameter max_results. It must be at most 50000, but got 1099511627776"},
	}
	for _, tc := range cases {
		t.Run(tc.r.String()+"/"+strconv.Itoa(tc.n), func(t *testing.T) {
			err := search.CheckMaxResults(tc.r, tc.n)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			assertInvalid(t, err, tc.err)
		})
	}
	if err := search.CheckMaxResults(search.Resource(0), 1); err == nil || errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("unknown resource must be a programming error, got %v", err)
	}
}
