package store

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
)

// The SQL expression each filterable attribute compares, per resource. The
// keys are the ones search.ParseFilter admits; anything else is a bug there.
func attrExpr(b *builder, res search.Resource, key string) (string, bool) {
	switch key {
	case "created_at", "last_updated_at":
		alias := map[search.Resource]string{search.Servers: "s.", search.Versions: "v.", search.Endpoints: "e."}[res]
		return alias + key, true
	}
	switch res {
	case search.Servers:
		switch key {
		case "name", "display_name":
			return "s." + key, true
		case "status":
			// The resolved latest version's status; NULL (matching neither
			// = nor !=) when no version is live.
			return latestStatus(b.d, "s.workspace", "s.name"), true
		}
	case search.Versions:
		switch key {
		case "name", "status", "version":
			return "v." + key, true
		}
	case search.Endpoints:
		switch key {
		case "server_name", "transport_type":
			return "e." + key, true
		case "status":
			return resolvedStatus(b.d), true
		}
	}
	return "", false
}

// whereFilter appends " AND <condition>" for every clause.
func whereFilter(b *builder, res search.Resource, clauses []search.Clause) error {
	for _, c := range canonical(clauses) {
		cond, err := condition(b, res, c)
		if err != nil {
			return err
		}
		b.sql(" AND ", cond)
	}
	return nil
}

// canonical sorts clauses (AND commutes) and drops exact repeats, so that
// the statement text, which mlflowdb caches per distinct text, depends on
// the set of clause shapes and not on the order the client wrote them in.
func canonical(clauses []search.Clause) []search.Clause {
	out := slices.Clone(clauses)
	slices.SortStableFunc(out, func(x, y search.Clause) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(shapeKey(x), shapeKey(y)))
	})
	return slices.CompactFunc(out, func(x, y search.Clause) bool {
		return x.Kind == y.Kind && x.Key == y.Key && x.Op == y.Op && fmt.Sprintf("%#v", x.Value) == fmt.Sprintf("%#v", y.Value)
	})
}

// shapeKey is what a clause contributes to the statement text: a tag's key
// is a parameter, an attribute's key is not.
func shapeKey(c search.Clause) string {
	key := c.Key
	if c.Kind == search.Tag {
		key = ""
	}
	return fmt.Sprintf("%s\x00%s\x00%T", key, c.Op, c.Value)
}

func condition(b *builder, res search.Resource, c search.Clause) (string, error) {
	if c.Kind == search.Tag {
		if res != search.Servers {
			return "", fmt.Errorf("store: tag clause on %s", res)
		}
		// A tag clause only matches servers that have the key.
		key := b.arg(c.Key)
		cmp, err := compare(b, "t.value", c.Op, c.Value)
		return `EXISTS (SELECT 1 FROM mcp_server_tags t WHERE t.workspace = s.workspace AND t.name = s.name AND t."key" = ` +
			key + " AND " + cmp + ")", err
	}
	if res == search.Servers && c.Key == "has_access_endpoints" {
		want, ok := c.Value.(bool)
		if !ok || c.Op != search.OpEq {
			return "", fmt.Errorf("store: has_access_endpoints clause %v %v", c.Op, c.Value)
		}
		exists := "EXISTS (SELECT 1 FROM mcp_access_endpoints e WHERE e.workspace = s.workspace AND e.server_name = s.name" +
			" AND " + resolvable(b.d) + ")"
		if !want {
			exists = "NOT " + exists
		}
		return exists, nil
	}
	expr, ok := attrExpr(b, res, c.Key)
	if !ok {
		return "", fmt.Errorf("store: no filter attribute %q for %s", c.Key, res)
	}
	if res == search.Versions && c.Key == "version" && c.Op != search.OpEq && c.Op != search.OpNe {
		return semverCondition(b, c)
	}
	return compare(b, expr, c.Op, c.Value)
}

// semverCondition compares by SemVer precedence: the tuple (major, minor,
// patch, prerelease sort key) against the parsed operand, so build metadata
// is ignored as SemVer says.
func semverCondition(b *builder, c search.Clause) (string, error) {
	raw, _ := c.Value.(string)
	v, err := mcpregistry.ParseVersionField(mcpregistry.VersionFieldFilter, raw)
	if err != nil {
		return "", err
	}
	exprs := []string{"v.version_major", "v.version_minor", "v.version_patch", "v.version_prerelease_sort_key" + bytewise(b.d)}
	params := []string{intParam(b, int64(v.Major())), intParam(b, int64(v.Minor())), intParam(b, int64(v.Patch())),
		b.arg(v.SortKey())}
	var desc, orEqual bool
	switch c.Op {
	case search.OpGt:
	case search.OpGe:
		orEqual = true
	case search.OpLt:
		desc = true
	case search.OpLe:
		desc, orEqual = true, true
	default:
		return "", fmt.Errorf("store: version comparator %s", c.Op)
	}
	return lexAfter(exprs, []bool{desc, desc, desc, desc}, params, orEqual), nil
}

var sqlOps = map[search.Op]string{search.OpEq: "=", search.OpNe: "<>", search.OpGt: ">", search.OpGe: ">=",
	search.OpLt: "<", search.OpLe: "<="}

// compare is expr <op> value with the value bound.
func compare(b *builder, expr string, op search.Op, value any) (string, error) {
	switch v := value.(type) {
	case []string:
		if op == search.OpIn {
			return inList(b, expr, v), nil
		}
	case string:
		switch op {
		case search.OpLike:
			return expr + " LIKE " + b.arg(v) + likeEscape(b.d), nil
		case search.OpILike:
			return ilike(b.d, expr, b.arg(v)) + likeEscape(b.d), nil
		}
		if sqlOp, ok := sqlOps[op]; ok {
			return expr + " " + sqlOp + " " + b.arg(v), nil
		}
	case int64:
		if sqlOp, ok := sqlOps[op]; ok {
			return expr + " " + sqlOp + " " + intParam(b, v), nil
		}
	case float64:
		// pgx cannot encode a float64 into the BIGINT parameter PostgreSQL
		// would infer, so the parameter is typed; the comparison is then
		// numeric, as on SQLite.
		if sqlOp, ok := sqlOps[op]; ok {
			p := b.arg(v)
			if isPG(b.d) {
				p = "CAST(" + p + " AS DOUBLE PRECISION)"
			}
			return expr + " " + sqlOp + " " + p, nil
		}
	}
	return "", fmt.Errorf("store: cannot compile %s %s %T", expr, op, value)
}
