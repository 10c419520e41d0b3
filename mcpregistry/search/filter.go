package search

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Kind says what a clause's key names.
type Kind uint8

// Clause kinds.
const (
	Attribute Kind = iota + 1 // a column (or derived value) of the resource
	Tag                       // tags.<key> (servers only)
)

func (k Kind) String() string {
	switch k {
	case Attribute:
		return entAttribute
	case Tag:
		return entTag
	}
	return "unknown"
}

// Op is a clause's comparator, in canonical upper case whatever case the
// client wrote.
type Op string

// Comparators the registry accepts.
const (
	OpEq    Op = "="
	OpNe    Op = "!="
	OpGt    Op = ">"
	OpGe    Op = ">="
	OpLt    Op = "<"
	OpLe    Op = "<="
	OpLike  Op = "LIKE"  // case-sensitive; % and _ are wildcards and cannot be escaped
	OpILike Op = "ILIKE" // case-insensitive LIKE (lower() vs lower())
	OpIn    Op = "IN"    // status only
)

var knownOps = map[string]Op{"=": OpEq, "!=": OpNe, ">": OpGt, ">=": OpGe, "<": OpLt, "<=": OpLe,
	"LIKE": OpLike, "ILIKE": OpILike, "IN": OpIn}

// Clause is one comparison of a filter. Clauses are ANDed.
type Clause struct {
	Kind Kind
	Key  string
	Op   Op
	// Value is the operand. Its dynamic type is exactly one of:
	//   string   a quoted string (quotes removed, nothing unescaped)
	//   int64    an integer literal (created_at, last_updated_at)
	//   float64  a literal with a fraction or exponent, or an integer beyond int64
	//   []string the list of an IN; it may be empty, which matches nothing
	//   bool     has_access_endpoints (true: has an endpoint that resolves now)
	Value any
}

// VersionCheck validates the operand of `version < <= > >=` (a version
// search): those compare by SemVer precedence, so the operand must be a
// strict SemVer. mcpregistry supplies it, as
//
//	func(v string) error { _, err := ParseVersionField(VersionFieldFilter, v); return err }
//
// which answers MLflow's "Invalid semantic version for filter_string
// version: '<v>'". It is passed in, not imported, because mcpregistry
// depends on this package. `version =` and `!=` compare the raw string and
// are not checked.
type VersionCheck func(v string) error

var errNoVersionCheck = errors.New("search: ParseFilter needs a VersionCheck to parse a version comparison")

// Bounds on a filter. MLflow has none; they keep one request from making the
// store build an unbounded statement (each clause is a condition or a join,
// each IN value a bind parameter).
const (
	MaxFilterBytes = 64 << 10
	MaxClauses     = 100
	MaxInValues    = 100
)

// ParseFilter parses a filter_string for a search of r. An empty or
// all-whitespace filter has no clauses. Every client error is
// mlflowerr.ErrInvalid (INVALID_PARAMETER_VALUE) with MLflow's message where
// MLflow has one. checkVersion is required for Versions (see VersionCheck)
// and unused otherwise.
func ParseFilter(r Resource, filter string, checkVersion VersionCheck) ([]Clause, error) {
	s := r.spec()
	if s == nil {
		return nil, errUnknownResource(r)
	}
	switch {
	case filter == "":
		return nil, nil
	case len(filter) > MaxFilterBytes:
		return nil, mlflowerr.Invalid("filter_string is too long: %d bytes, at most %d are allowed",
			len(filter), MaxFilterBytes)
	case !utf8.ValidString(filter):
		return nil, mlflowerr.Invalid("filter_string must be valid UTF-8")
	case strings.IndexByte(filter, 0) >= 0:
		return nil, mlflowerr.Invalid("filter_string must not contain NUL characters")
	}
	st, comps, err := parseStatement(filter)
	if err != nil {
		return nil, err
	}
	raws := make([]rawClause, len(comps))
	for i, c := range comps {
		if raws[i], err = s.readComparison(st, c); err != nil {
			return nil, err
		}
	}
	clauses := make([]Clause, len(raws))
	for i, rc := range raws {
		if clauses[i], err = s.check(rc, checkVersion); err != nil {
			return nil, err
		}
	}
	return clauses, nil
}

// check is the store's post-parse validation: filter type, comparator, and
// the rules of particular keys.
func (s *resourceSpec) check(rc rawClause, checkVersion VersionCheck) (Clause, error) {
	c := Clause{Kind: Attribute, Key: rc.key}
	switch {
	case rc.entity == entTag && s.tags:
		c.Kind = Tag
	case rc.entity != entAttribute:
		return Clause{}, mlflowerr.Invalid("Invalid filter type '%s'.", rc.entity)
	}
	op, ok := knownOps[strings.ToUpper(rc.comparator)]
	if !ok {
		return Clause{}, mlflowerr.Invalid("Invalid comparator '%s' for %s '%s'.", rc.comparator, rc.entity, rc.key)
	}
	c.Op = op
	v := rc.value
	switch {
	case c.Kind == Attribute && rc.key == keyHasEndpoints:
		want := strings.ToLower(v.str)
		if op != OpEq || v.kind != opdString || want != "true" && want != "false" {
			return Clause{}, mlflowerr.Invalid("has_access_endpoints only supports '= true' or '= false'")
		}
		c.Value = want == "true"
		return c, nil
	case c.Kind == Attribute && isNumericKey(rc.key):
		return numericClause(c, rc)
	}
	if op == OpIn {
		if c.Kind == Tag || rc.key != keyStatus {
			return Clause{}, s.inNotSupported(rc.key)
		}
		if v.kind != opdList {
			return Clause{}, mlflowerr.Invalid(
				"IN takes a parenthesised list of quoted strings, such as status IN ('active', 'draft')")
		}
		c.Value = v.list
		return c, nil
	}
	if v.kind == opdList {
		return Clause{}, mlflowerr.Invalid(
			"Invalid comparator '%s' for a list of values for attribute '%s'. Only IN takes a list.", rc.comparator, rc.key)
	}
	c.Value = v.str
	if c.Kind == Attribute && rc.key == keyVersion {
		return versionClause(c, checkVersion)
	}
	return c, nil
}

// numericClause checks a created_at / last_updated_at comparison. MLflow
// lets LIKE through its parser, but the SQL it then runs (BIGINT LIKE text)
// fails on PostgreSQL; refusing it up front is the honest answer.
func numericClause(c Clause, rc rawClause) (Clause, error) {
	switch c.Op {
	case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe:
	default:
		return Clause{}, mlflowerr.Invalid("Invalid comparator '%s' for numeric attribute '%s'. "+
			"Use one of '=', '!=', '<', '<=', '>', '>='.", rc.comparator, rc.key)
	}
	if rc.value.kind == opdInt {
		c.Value = rc.value.i
	} else {
		c.Value = rc.value.f
	}
	return c, nil
}

// versionClause applies the version rules: = and != compare the raw string
// (build metadata matters), the ordering comparators need a valid SemVer.
func versionClause(c Clause, checkVersion VersionCheck) (Clause, error) {
	switch c.Op {
	case OpEq, OpNe:
		return c, nil
	case OpGt, OpGe, OpLt, OpLe:
		if checkVersion == nil {
			return Clause{}, errNoVersionCheck
		}
		if err := checkVersion(c.Value.(string)); err != nil {
			return Clause{}, err
		}
		return c, nil
	}
	return Clause{}, mlflowerr.Invalid(
		"version only supports semantic comparators '=', '!=', '<', '<=', '>', and '>='")
}
