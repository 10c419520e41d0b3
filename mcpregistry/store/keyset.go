package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// orderCol is one column of a search's total order.
type orderCol struct {
	expr string
	desc bool
	kind search.ValueKind
}

// orderColumns expands the order terms of a search of res into columns, in
// the order of OrderTerm.Kinds (a page position holds one value per column).
// Every column is NOT NULL, so the keyset predicate needs no NULL cases.
func orderColumns(d mlflowdb.Dialect, res search.Resource, order []search.OrderTerm) ([]orderCol, error) {
	var cols []orderCol
	for _, t := range order {
		exprs, err := orderExprs(d, res, t.Key)
		if err != nil {
			return nil, err
		}
		kinds := t.Kinds()
		if len(kinds) != len(exprs) {
			return nil, fmt.Errorf("store: order key %q has %d columns, its position %d values", t.Key, len(exprs), len(kinds))
		}
		for i, e := range exprs {
			cols = append(cols, orderCol{expr: e, desc: t.Desc, kind: kinds[i]})
		}
	}
	return cols, nil
}

func orderExprs(d mlflowdb.Dialect, res search.Resource, key search.OrderKey) ([]string, error) {
	alias := map[search.Resource]string{search.Servers: "s.", search.Versions: "v.", search.Endpoints: "e."}[res]
	switch {
	case key == search.OrderCreatedAt || key == search.OrderLastUpdatedAt:
		return []string{alias + string(key)}, nil
	case res == search.Servers && key == search.OrderName:
		return []string{"s.name"}, nil
	case res == search.Versions && key == search.OrderSemVer:
		return []string{"v.version_major", "v.version_minor", "v.version_patch",
			"v.version_prerelease_sort_key" + bytewise(d)}, nil
	case res == search.Versions && key == search.OrderVersionString:
		return []string{"v.version" + bytewise(d)}, nil
	case res == search.Endpoints && (key == search.OrderID || key == search.OrderServerName):
		return []string{"e." + string(key)}, nil
	}
	return nil, fmt.Errorf("store: no order key %q for %s", key, res)
}

func orderBySQL(cols []orderCol) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.expr + " ASC"
		if c.desc {
			parts[i] = c.expr + " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

var errBadPosition = mlflowerr.Invalid("Invalid page token, malformed position")

// keyset returns the predicate "the row comes after position after" in the
// order cols. The search package has checked the position's shape against
// the order; its values are checked here because a token is checksummed, not
// signed, so a client can forge one, and a NULL or a string PostgreSQL cannot
// hold must be a 400, not a database error.
func keyset(b *builder, cols []orderCol, after []search.Value) (string, error) {
	if len(after) != len(cols) {
		return "", errBadPosition
	}
	exprs, desc, params := make([]string, len(cols)), make([]bool, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		v := after[i]
		if v.Null || v.Kind != c.kind {
			return "", errBadPosition
		}
		exprs[i], desc[i] = c.expr, c.desc
		if v.Kind == search.KindInt {
			params[i] = intParam(b, v.Int)
			continue
		}
		if !utf8.ValidString(v.Str) || strings.IndexByte(v.Str, 0) >= 0 {
			return "", errBadPosition
		}
		params[i] = b.arg(v.Str)
	}
	return lexAfter(exprs, desc, params, false), nil
}

// intParam binds an integer. On PostgreSQL the parameter is cast so that its
// type is BIGINT whatever the column (the SemVer parts are INTEGER, and a
// forged out-of-range value must compare, not fail to encode).
func intParam(b *builder, v int64) string {
	if isPG(b.d) {
		return "CAST(" + b.arg(v) + " AS BIGINT)"
	}
	return b.arg(v)
}

// lexAfter is true when the tuple exprs comes after params in lexicographic
// order, each column ascending unless desc (where "after" means smaller);
// orEqual admits the equal tuple too. The expanded OR form works for mixed
// directions; the leading bound on the first column lets an index on it
// narrow the scan.
func lexAfter(exprs []string, desc []bool, params []string, orEqual bool) string {
	cmp := func(i int, strict bool) string {
		op := ">"
		if desc[i] {
			op = "<"
		}
		if !strict {
			op += "="
		}
		return exprs[i] + " " + op + " " + params[i]
	}
	n := len(exprs)
	inner := cmp(n-1, !orEqual)
	for i := n - 2; i >= 0; i-- {
		inner = cmp(i, true) + " OR (" + exprs[i] + " = " + params[i] + " AND (" + inner + "))"
	}
	if n == 1 {
		return "(" + inner + ")"
	}
	return "(" + cmp(0, false) + " AND (" + inner + "))"
}

// position is the keyset position of an item: its values of the order's
// columns, in order.
func position(order []search.OrderTerm, values func(search.OrderKey) []search.Value) []search.Value {
	var pos []search.Value
	for _, t := range order {
		pos = append(pos, values(t.Key)...)
	}
	return pos
}
