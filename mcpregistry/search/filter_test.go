package search_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

type filterCase struct {
	name   string
	r      search.Resource
	filter string
	want   string // renderClauses output when the filter parses
	err    string // exact message when it must not
}

func runFilterCases(t *testing.T, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := search.ParseFilter(tc.r, tc.filter, checkVersion)
			assertResult(t, got, err, tc.err == "", tc.want, tc.err)
		})
	}
}

const (
	serverKeys   = "'{'created_at', 'display_name', 'has_access_endpoints', 'last_updated_at', 'name', 'status'}'"
	versionKeys  = "'{'created_at', 'last_updated_at', 'name', 'status', 'version'}'"
	endpointKeys = "'{'created_at', 'last_updated_at', 'server_name', 'status', 'transport_type'}'"
)

// TestFilterDeliberateDifferences pins each place we accept (or answer)
// differently from MLflow on purpose, beyond the vectors. Every row is in
// COMPATIBILITY.md with MLflow's result.
func TestFilterDeliberateDifferences(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"bare version with lower-case like", search.Versions, "version like '1.%'", "",
			"version only supports semantic comparators '=', '!=', '<', '<=', '>', and '>='"},
		{"bare upper-case VERSION is just an unknown key", search.Versions, "VERSION > '1.0.0'", "",
			"Invalid attribute key 'VERSION' specified. Valid keys are " + versionKeys},
		{"no rewrite of version inside a string", search.Versions, "name = 'version = x'",
			"attribute name = version = x", ""},
		{"no rewrite of version inside a LIKE pattern", search.Versions, "name LIKE '%version>%'",
			"attribute name LIKE %version>%", ""},
		{"mixed-case comparators", search.Servers, "name Like 'a%' AND display_name iLike 'B%'",
			"attribute name LIKE a%; attribute display_name ILIKE B%", ""},
		{"lower-case in on versions", search.Versions, "status in ('draft')", "attribute status IN [draft]", ""},
		{"bare server_name with lower-case ilike", search.Endpoints, "server_name ilike 'IO.%'",
			"attribute server_name ILIKE IO.%", ""},
		{"endpoint status in", search.Endpoints, "status in ('active')", "attribute status IN [active]", ""},
		{"endpoint IN on another key names the real rule", search.Endpoints, "transport_type IN ('sse')", "",
			"Only 'status' supports IN comparisons for MCP access endpoints, got 'transport_type'."},
		{"numeric ILIKE refused", search.Versions, "last_updated_at ILIKE 5", "",
			"Invalid comparator 'ILIKE' for numeric attribute 'last_updated_at'. Use one of '=', '!=', '<', '<=', '>', '>='."},
		{"IN with a single string", search.Servers, "status IN 'active'", "",
			"IN takes a parenthesised list of quoted strings, such as status IN ('active', 'draft')"},
		{"IN on a tag", search.Servers, "tags.team IN 'a'", "",
			"Only 'status' supports IN comparisons for MCP servers, got 'team'."},
		{"a list with =", search.Servers, "status = ('active')", "",
			"Invalid comparator '=' for a list of values for attribute 'status'. Only IN takes a list."},
		{"two comparisons without AND", search.Servers, "name = 'a' status = 'b'", "",
			"Invalid clause(s) in filter string: 'status = 'b''"},
		{"IN items are not unescaped", search.Servers, "status IN ('act''ive')", "attribute status IN [act''ive]", ""},
		{"IN items are not concatenated", search.Servers, "status IN ('act' 'ive')", "",
			"While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
		{"integer beyond int64 becomes a float", search.Servers, "created_at < 99999999999999999999",
			"attribute created_at < float:1e+20", ""},
		{"literal out of float range", search.Servers, "created_at < 1e999", "", "Numeric value 1e999 is out of range"},
	})
}

// TestFilterMLflowBehaviour pins MLflow behaviour the vectors do not cover,
// worked out from its parser (SearchUtils on sqlparse) and store checks.
func TestFilterMLflowBehaviour(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"ANDs anywhere are ignored", search.Servers, "AND AND name = 'a' AND AND", "attribute name = a", ""},
		{"whitespace only", search.Servers, " \t\n ", "", ""},
		{"IS NOT NULL", search.Servers, "tags.team IS NOT NULL", "", "Invalid comparator 'IS NOT NULL' for tag 'team'."},
		{"IS NULL on an attribute", search.Servers, "display_name is null", "",
			"Invalid comparator 'is null' for attribute 'display_name'."},
		{"NOT LIKE", search.Servers, "name NOT LIKE 'a%'", "", "Invalid comparator 'NOT LIKE' for attribute 'name'."},
		{"RLIKE", search.Servers, "name RLIKE 'a'", "", "Invalid comparator 'RLIKE' for attribute 'name'."},
		{"==", search.Servers, "name == 'a'", "", "Invalid comparator '==' for attribute 'name'."},
		{"string on the left", search.Servers, "'name' = 'x'", "",
			"Invalid comparison clause. Expected 'Identifier' found ''name''"},
		{"NULL operand", search.Servers, "name = NULL", "", "Expected a quoted string value for attributes. Got value NULL"},
		{"NULL numeric operand", search.Servers, "created_at = null", "",
			"Expected numeric value type for numeric attribute: created_at. Found null"},
		{"trailing semicolon", search.Servers, "name = 'a';", "", "Invalid clause(s) in filter string: ';'"},
		{"leading semicolon", search.Servers, ";name = 'a'", "",
			`Search filter contained multiple expression ";name = 'a'". Provide AND-ed expression list.`},
		{"semicolon inside parentheses does not split", search.Servers, "status IN ('a';'b')", "",
			"While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
		{"unterminated string", search.Servers, "name = 'abc", "", "Invalid clause(s) in filter string: 'name', '=', ''', 'abc'"},
		{"comment", search.Servers, "name = 'a' -- x", "", "Invalid clause(s) in filter string: '-- x'"},
		{"unbalanced parenthesis", search.Servers, "name = 'a' )", "", "Invalid clause(s) in filter string: ')'"},
		{"double-quoted key and value", search.Servers, `"name" = "it's"`, "attribute name = it's", ""},
		{"doubled double quote stays", search.Servers, `display_name = "say ""hi"""`, `attribute display_name = say ""hi""`, ""},
		{"backslash-escaped quote stays", search.Servers, `name = 'it\'s'`, `attribute name = it\'s`, ""},
		{"backticked value", search.Servers, "name = `x`", "", "Parameter value is either not quoted or unidentified " +
			"quote types used for string value `x`. Use either single or double quotes."},
		{"dotted value", search.Servers, "name = a.b", "", "Parameter value is either not quoted or unidentified " +
			"quote types used for string value a.b. Use either single or double quotes."},
		{"has_access_endpoints double-quoted false", search.Servers, `has_access_endpoints = "False"`,
			"attribute has_access_endpoints = bool:false", ""},
		{"has_access_endpoints true", search.Servers, "has_access_endpoints = 'true'",
			"attribute has_access_endpoints = bool:true", ""},
		{"has_access_endpoints LIKE", search.Servers, "has_access_endpoints LIKE 'true'", "",
			"has_access_endpoints only supports '= true' or '= false'"},
		{"negative integer", search.Servers, "created_at > -5", "attribute created_at > int:-5", ""},
		{"fraction without integer part", search.Versions, "created_at >= .5", "attribute created_at >= float:0.5", ""},
		{"exponent", search.Endpoints, "last_updated_at <= 1E3", "attribute last_updated_at <= float:1000", ""},
		{"hex is not a number", search.Servers, "created_at > 0x10", "", "Invalid clause(s) in filter string: 'created_at', '>', '0x10'"},
		{"IN drops values that are not lower case", search.Servers,
			"status IN ('active', 'ACTIVE', 'Draft', 'in-review', '1', '')", "attribute status IN [active in-review]", ""},
		{"IN with a trailing comma", search.Versions, "status IN ('draft',)", "attribute status IN [draft]", ""},
		{"IN with double quotes", search.Versions, `status IN ("draft", 'active')`, "attribute status IN [draft active]", ""},
		{"empty IN", search.Servers, "status IN ()", "",
			"While parsing a list in the query, expected a non-empty list of string values, but got empty list"},
		{"IN of a number", search.Servers, "status IN ('a', 1)", "", "While parsing a list in the query, expected " +
			"string value, punctuation, or whitespace, but got different type in list: ('a', 1)"},
		{"numeric IN", search.Servers, "created_at IN (1, 2)", "",
			"Expected numeric value type for numeric attribute: created_at. Found (1, 2)"},
		{"entity type is case-sensitive", search.Servers, "TAGS.x = 'y'", "",
			"Invalid entity type 'TAGS'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
		{"backticked entity", search.Servers, "`tags`.x = 'y'", "tag x = y", ""},
		{"tag key keeps later dots", search.Servers, "tags.a.b = 'y'", "tag a.b = y", ""},
		{"unicode tag key", search.Servers, "tags.ключ = 'значение'", "tag ключ = значение", ""},
		{"metric value must be numeric", search.Servers, "metric.x > 'a'", "", "Expected numeric value type for metric. Found 'a'"},
		{"param value must be quoted", search.Servers, "params.x = 1", "",
			"Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1"},
		{"attribute alias prefix", search.Endpoints, "attributes.transport_type = 'sse'", "attribute transport_type = sse", ""},
		{"every clause parses before any is checked", search.Servers, "name <> 'x' AND description = 'y'", "",
			"Invalid attribute key 'description' specified. Valid keys are " + serverKeys},
		{"checks run in clause order", search.Servers, "name <> 'x' AND status <> 'y'", "",
			"Invalid comparator '<>' for attribute 'name'."},
		{"version equality is raw", search.Versions, "version = 'not semver'", "attribute version = not semver", ""},
		{"version ordering parses SemVer", search.Versions, "`version` <= '1.0.0-rc.1+b'", "attribute version <= 1.0.0-rc.1+b", ""},
		{"version core over int32", search.Versions, "version > '2147483648.0.0'", "",
			"Invalid semantic version for filter_string version: '2147483648.0.0' (major must be <= 2147483647)"},
		{"unknown endpoint key lists sorted keys", search.Endpoints, "url = 'x'", "",
			"Invalid attribute key 'url' specified. Valid keys are " + endpointKeys},
	})
}

// TestFilterHostile feeds inputs meant to break a parser or smuggle SQL. All
// must end in a value or in ErrInvalid; none may panic or run away.
func TestFilterHostile(t *testing.T) {
	pad := strings.Repeat("x", search.MaxFilterBytes-len("name = ''"))
	clauses := func(n int) string {
		return strings.TrimSuffix(strings.Repeat("tags.k = 'v' AND ", n), " AND ")
	}
	list := func(n int) string {
		return "status IN (" + strings.TrimSuffix(strings.Repeat("'a', ", n), ", ") + ")"
	}
	runFilterCases(t, []filterCase{
		{"SQL after an unterminated quote", search.Servers, "'; DROP TABLE x; --", "",
			`Search filter contained multiple expression "'; DROP TABLE x; --". Provide AND-ed expression list.`},
		{"SQL after an empty string", search.Servers, "name = ''; DROP TABLE mcp_servers; --", "",
			`Search filter contained multiple expression "name = ''; DROP TABLE mcp_servers; --". Provide AND-ed expression list.`},
		{"SQL inside a string is just text", search.Servers, "name = 'x''; DROP TABLE mcp_servers; --'",
			"attribute name = x''; DROP TABLE mcp_servers; --", ""},
		{"SQL as a tag key", search.Servers, "tags.`k; DROP TABLE t` = 'v'", "tag k; DROP TABLE t = v", ""},
		{"UNION in a value position", search.Servers, "name = 'a' UNION SELECT 1", "",
			"Invalid clause(s) in filter string: 'UNION', 'SELECT', '1'"},
		{"exactly the size limit", search.Servers, "name = '" + pad + "'", "attribute name = " + pad, ""},
		{"over the size limit", search.Servers, "name = '" + pad + "x'", "",
			"filter_string is too long: 65537 bytes, at most 65536 are allowed"},
		{"NUL byte", search.Servers, "name = 'a\x00'", "", "filter_string must not contain NUL characters"},
		{"invalid UTF-8", search.Servers, "name = '\xff\xfe'", "", "filter_string must be valid UTF-8"},
		{"only ANDs", search.Servers, strings.Repeat("AND ", 16000), "", ""},
		{"a clause buried in ANDs", search.Servers, strings.Repeat("and ", 8000) + "name = 'a' " + strings.Repeat("AND ", 8000),
			"attribute name = a", ""},
		{"clause limit", search.Servers, clauses(search.MaxClauses), strings.TrimSuffix(strings.Repeat("tag k = v; ", search.MaxClauses), "; "), ""},
		{"over the clause limit", search.Servers, clauses(search.MaxClauses + 1), "",
			"filter_string has too many clauses: at most 100 are allowed"},
		{"IN value limit", search.Servers, list(search.MaxInValues), "attribute status IN [" +
			strings.TrimSuffix(strings.Repeat("a ", search.MaxInValues), " ") + "]", ""},
		{"over the IN value limit", search.Servers, list(search.MaxInValues + 1), "", "An IN list may hold at most 100 values, got 101"},
		{"deep open parentheses", search.Servers, strings.Repeat("(", 30000), "",
			"Invalid clause(s) in filter string: " + strings.Repeat("'(', ", 20) + "... (29980 more)"},
		{"deep nested group", search.Servers, strings.Repeat("(", 20000) + strings.Repeat(")", 20000), "",
			"Invalid clause(s) in filter string: '" + strings.Repeat("(", 20000) + strings.Repeat(")", 20000) + "'"},
		{"quotes only", search.Servers, strings.Repeat("'", 60001), "",
			"Invalid clause(s) in filter string: '" + strings.Repeat("'", 60000) + "', '''"},
		{"operators only", search.Servers, strings.Repeat("<>", 100), "", "Invalid clause(s) in filter string: '" +
			strings.Repeat("<>", 100) + "'"},
		{"control characters", search.Servers, "name\v=\f'a'\r\nAND\tstatus = 'b'", "attribute name = a; attribute status = b", ""},
	})
}

func TestParseFilterUnknownResource(t *testing.T) {
	_, err := search.ParseFilter(search.Resource(0), "name = 'a'", nil)
	if err == nil || errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("unknown resource must be a programming error, got %v", err)
	}
}

func TestParseFilterVersionCheckRequired(t *testing.T) {
	if _, err := search.ParseFilter(search.Versions, "version = '1'", nil); err != nil {
		t.Fatalf("equality needs no check: %v", err)
	}
	_, err := search.ParseFilter(search.Versions, "version > '1.0.0'", nil)
	if err == nil || errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("a missing VersionCheck must be a programming error, got %v", err)
	}
}
