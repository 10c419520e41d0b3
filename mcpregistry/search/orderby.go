package search

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// OrderKey is a sort key the store understands. Most are one column; the
// store expands OrderSemVer to four.
type OrderKey string

// Sort keys. The first six are what clients may name (per resource, see
// ParseOrderBy); OrderVersionString is only ever a tie-breaker.
const (
	OrderName          OrderKey = "name"
	OrderCreatedAt     OrderKey = "created_at"
	OrderLastUpdatedAt OrderKey = "last_updated_at"
	OrderID            OrderKey = "id"
	OrderServerName    OrderKey = "server_name"
	// OrderSemVer is SemVer precedence: (version_major, version_minor,
	// version_patch, version_prerelease_sort_key), all in the term's
	// direction. Build-metadata variants tie on it.
	OrderSemVer OrderKey = "version"
	// OrderVersionString is the raw version column, unique per server, so it
	// closes every version order.
	OrderVersionString OrderKey = "version_string"
)

// OrderTerm is one key of an ORDER BY.
type OrderTerm struct {
	Key  OrderKey
	Desc bool
}

// Kinds lists the typed values a keyset position holds for this term, one
// per column in the store's column order. EncodeToken and DecodeToken check
// positions against it.
func (t OrderTerm) Kinds() []ValueKind {
	switch t.Key {
	case OrderCreatedAt, OrderLastUpdatedAt:
		return []ValueKind{KindInt}
	case OrderSemVer:
		return []ValueKind{KindInt, KindInt, KindInt, KindString}
	}
	return []ValueKind{KindString}
}

// Bounds on order_by. A valid request names each of at most four keys once,
// so anything longer is refused without further work.
const (
	MaxOrderByClauses = 16
	MaxOrderByBytes   = 256
)

var bareOrderKey = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$`)

// ParseOrderBy parses the order_by parameters of a search of r and returns a
// total order: the client's terms, then the tie-breakers MLflow appends
// (servers: name ASC; versions: created_at ASC; endpoints: id ASC, each only
// if not already named), then for versions the raw version string ASC, which
// MLflow omits after `version` but which keyset pagination needs, because
// build-metadata variants created in the same millisecond tie otherwise.
// With no order_by the result is the tie-breakers alone, MLflow's default.
func ParseOrderBy(r Resource, orderBy []string) ([]OrderTerm, error) {
	s := r.spec()
	if s == nil {
		return nil, errUnknownResource(r)
	}
	if len(orderBy) > MaxOrderByClauses {
		return nil, mlflowerr.Invalid("Too many order_by clauses: at most %d are allowed", MaxOrderByClauses)
	}
	terms := make([]OrderTerm, 0, len(orderBy)+2)
	seen := map[OrderKey]bool{}
	for _, c := range orderBy {
		key, desc, err := parseOrderByClause(c)
		if err != nil {
			return nil, err
		}
		k := OrderKey(key)
		if !s.hasOrderKey(k) {
			return nil, mlflowerr.Invalid("Invalid order_by key '%s'. Valid keys: %s", key, pyList(s.orderKeys))
		}
		if seen[k] {
			return nil, mlflowerr.Invalid("Duplicate order_by field: '%s'", key)
		}
		seen[k] = true
		terms = append(terms, OrderTerm{Key: k, Desc: desc})
	}
	switch r {
	case Servers:
		if !seen[OrderName] {
			terms = append(terms, OrderTerm{Key: OrderName})
		}
	case Versions:
		if !seen[OrderCreatedAt] {
			terms = append(terms, OrderTerm{Key: OrderCreatedAt})
		}
		terms = append(terms, OrderTerm{Key: OrderVersionString})
	case Endpoints:
		if !seen[OrderID] {
			terms = append(terms, OrderTerm{Key: OrderID})
		}
	}
	return terms, nil
}

// parseOrderByClause reads `key` or `key ASC|DESC` (direction in any case),
// MLflow's _parse_order_by_string. The key may be wrapped in backticks or
// double quotes. Unlike MLflow we also take a bare SQL keyword as a key
// (version, server_name) and a quoted key without a direction (MLflow keeps
// the quotes in the key and then rejects it).
func parseOrderByClause(c string) (key string, desc bool, err error) {
	cannotParse := mlflowerr.Invalid("Invalid order_by clause '%s'. Could not be parsed.", c)
	if c == "" || len(c) > MaxOrderByBytes || !utf8.ValidString(c) ||
		isSpace(rune(c[0])) || isSpace(rune(c[len(c)-1])) {
		return "", false, cannotParse
	}
	words, ok := orderByWords(c)
	if !ok || len(words) > 2 {
		return "", false, cannotParse
	}
	key = words[0]
	switch {
	case isQuoted(key, '`') || isQuoted(key, '"'):
		key = key[1 : len(key)-1]
	case !bareOrderKey.MatchString(key):
		return "", false, cannotParse
	}
	if len(words) == 2 {
		switch strings.ToLower(words[1]) {
		case "asc":
		case "desc":
			desc = true
		default:
			return "", false, mlflowerr.Invalid("Invalid ordering key in order_by clause '%s'.", c)
		}
	}
	return key, desc, nil
}

// orderByWords splits at whitespace; a quoted word may hold spaces but must
// end at a space or the end.
func orderByWords(c string) ([]string, bool) {
	var words []string
	for i := 0; i < len(c); {
		if isSpace(rune(c[i])) {
			i++
			continue
		}
		end := i
		switch c[i] {
		case '`':
			end += len(backQuoted.FindString(c[i:]))
		case '"':
			end += len(doubleQuoted.FindString(c[i:]))
		}
		if end > i {
			if end < len(c) && !isSpace(rune(c[end])) {
				return nil, false
			}
		} else {
			for end < len(c) && !isSpace(rune(c[end])) {
				end++
			}
		}
		words = append(words, c[i:end])
		i = end
	}
	return words, len(words) > 0
}

func (s *resourceSpec) hasOrderKey(k OrderKey) bool {
	for _, o := range s.orderKeys {
		if o == k {
			return true
		}
	}
	return false
}

// pyList renders keys as Python prints a sorted list: ['a', 'b'].
func pyList(keys []OrderKey) string { return "[" + quoteJoin(keys) + "]" }
