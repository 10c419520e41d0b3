package search

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Entity types of an identifier prefix, as MLflow names them in messages.
const (
	entAttribute = "attribute"
	entTag       = "tag"
	entMetric    = "metric"
	entParameter = "parameter"
	entDataset   = "dataset"
)

var entityAliases = map[string]string{
	"attribute": entAttribute, "attributes": entAttribute, "attr": entAttribute, "run": entAttribute,
	"tag": entTag, "tags": entTag,
	"metric": entMetric, "metrics": entMetric,
	"param": entParameter, "params": entParameter, "parameter": entParameter, "parameters": entParameter,
	"dataset": entDataset, "datasets": entDataset,
}

// rawClause is a comparison after MLflow's parse step and before the store's
// checks. Keeping the two apart reproduces which error a filter with several
// faults reports first: MLflow parses every clause before checking any.
type rawClause struct {
	entity, key string
	comparator  string // as written
	value       operand
}

type operandKind uint8

const (
	opdNone operandKind = iota // IS [NOT] NULL
	opdString
	opdInt
	opdFloat
	opdList
)

type operand struct {
	kind operandKind
	str  string
	i    int64
	f    float64
	list []string
}

// readComparison is MLflow's _get_comparison: identifier, comparator, value.
func (s *resourceSpec) readComparison(st *stmt, c comparison) (rawClause, error) {
	if c.left.group || c.left.tok.kind != tkIdent {
		return rawClause{}, mlflowerr.Invalid(
			"Invalid comparison clause. Expected 'Identifier' found '%s'", st.text(c.left))
	}
	entity, key, err := s.identifier(st.text(c.left))
	if err != nil {
		return rawClause{}, err
	}
	rc := rawClause{entity: entity, key: key, comparator: st.text(c.op)}
	if c.hasRight {
		rc.value, err = s.readValue(st, entity, key, c.right)
	}
	return rc, err
}

// identifier splits `prefix.key` at the first dot and unquotes the key, in
// MLflow's order of checks (entity type, then attribute key).
func (s *resourceSpec) identifier(raw string) (entity, key string, err error) {
	entity, key = entAttribute, raw
	if prefix, rest, dotted := strings.Cut(raw, "."); dotted {
		prefix = trimQuotes(prefix, '`')
		canonical, ok := entityAliases[prefix]
		if !ok {
			return "", "", mlflowerr.Invalid(
				"Invalid entity type '%s'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']", prefix)
		}
		entity, key = canonical, rest
	}
	if unq, ok := unquoteString(key); ok {
		key = unq
	}
	key = trimQuotes(key, '`')
	if entity == entAttribute && !s.hasAttr(key) {
		return "", "", mlflowerr.Invalid(
			"Invalid attribute key '%s' specified. Valid keys are %s", key, s.validKeysText())
	}
	return entity, key, nil
}

// readValue is MLflow's _get_value: what operand each kind of key takes.
func (s *resourceSpec) readValue(st *stmt, entity, key string, it item) (operand, error) {
	text := st.text(it)
	stringLike := !it.group && (it.tok.kind == tkString || it.tok.kind == tkIdent)
	switch {
	case entity == entMetric || entity == entAttribute && isNumericKey(key):
		if it.group || it.tok.kind != tkNumber {
			if entity == entMetric {
				return operand{}, mlflowerr.Invalid("Expected numeric value type for metric. Found %s", text)
			}
			return operand{}, mlflowerr.Invalid(
				"Expected numeric value type for numeric attribute: %s. Found %s", key, text)
		}
		return readNumber(it.tok, text)
	case stringLike:
		v, ok := unquoteString(text)
		if !ok {
			return operand{}, mlflowerr.Invalid("Parameter value is either not quoted or unidentified quote "+
				"types used for string value %s. Use either single or double quotes.", text)
		}
		return operand{kind: opdString, str: v}, nil
	case entity == entAttribute && it.group:
		if key != keyStatus {
			return operand{}, s.inNotSupported(key)
		}
		return readList(st, it)
	case entity == entAttribute:
		return operand{}, mlflowerr.Invalid("Expected a quoted string value for attributes. Got value %s", text)
	case entity == entDataset:
		return operand{}, mlflowerr.Invalid(
			"Expected a quoted string value for dataset attributes. Got value %s", text)
	default:
		return operand{}, mlflowerr.Invalid(
			"Expected a quoted string value for %s (e.g. 'my-value'). Got value %s", entity, text)
	}
}

// inNotSupported is the IN restriction. MLflow's endpoint search lacks the
// override and talks about 'run_id'; naming the real rule reads better.
func (s *resourceSpec) inNotSupported(key string) error {
	return mlflowerr.Invalid("Only 'status' supports IN comparisons for %s, got '%s'.", s.inNoun, key)
}

// readNumber converts a numeric literal. An integer too large for int64 is
// kept as a float: `created_at < 1e30` still means "everything".
func readNumber(t token, text string) (operand, error) {
	if !t.isFloat {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return operand{kind: opdInt, i: i}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return operand{}, mlflowerr.Invalid("Numeric value %s is out of range", text)
	}
	return operand{kind: opdFloat, f: f}, nil
}

// readList reads `('a', "b", ...)`, MLflow's ast.literal_eval of the group,
// except that items are not unescaped (the no-unescape rule holds everywhere).
// Values that are not lower case are dropped, as MLflow drops them
// (str.islower) to defend against MySQL's case-insensitive IN.
func readList(st *stmt, it item) (operand, error) {
	var values []string
	expectItem := true
	inner := st.inner(it)
	for _, t := range inner {
		switch {
		case expectItem && (t.kind == tkString || t.kind == tkIdent):
			v, ok := unquoteString(t.text(st.s))
			if !ok {
				return operand{}, illFormedList()
			}
			values = append(values, v)
			expectItem = false
		case expectItem && t.kind == tkNumber:
			return operand{}, mlflowerr.Invalid("While parsing a list in the query, expected string value, "+
				"punctuation, or whitespace, but got different type in list: %s", st.text(it))
		case !expectItem && t.kind == tkComma:
			expectItem = true
		default:
			return operand{}, illFormedList()
		}
	}
	if len(values) == 0 {
		if len(inner) > 0 {
			return operand{}, illFormedList()
		}
		return operand{}, mlflowerr.Invalid("While parsing a list in the query, " +
			"expected a non-empty list of string values, but got empty list")
	}
	if len(values) > MaxInValues {
		return operand{}, mlflowerr.Invalid("An IN list may hold at most %d values, got %d", MaxInValues, len(values))
	}
	kept := values[:0]
	for _, v := range values {
		if pyIsLower(v) {
			kept = append(kept, v)
		}
	}
	return operand{kind: opdList, list: kept}, nil
}

func illFormedList() error {
	return mlflowerr.Invalid("While parsing a list in the query, " +
		"expected a non-empty list of string values, but got ill-formed list.")
}

// pyIsLower is Python's str.islower: at least one cased character and no
// upper- or title-case one.
func pyIsLower(s string) bool {
	cased := false
	for _, r := range s {
		if unicode.IsUpper(r) || unicode.IsTitle(r) {
			return false
		}
		if unicode.IsLower(r) {
			cased = true
		}
	}
	return cased
}

// unquoteString removes one pair of matching ' or " quotes, MLflow's
// _strip_quotes: nothing inside is unescaped, so 'O”Brien' is O”Brien.
func unquoteString(v string) (string, bool) {
	if isQuoted(v, '\'') || isQuoted(v, '"') {
		return v[1 : len(v)-1], true
	}
	return v, false
}

func trimQuotes(v string, q byte) string {
	if isQuoted(v, q) {
		return v[1 : len(v)-1]
	}
	return v
}

func isQuoted(v string, q byte) bool { return len(v) >= 2 && v[0] == q && v[len(v)-1] == q }
