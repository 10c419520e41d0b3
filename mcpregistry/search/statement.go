package search

import (
	"strconv"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// item is one element of a statement: a token, or a parenthesised group.
type item struct {
	tok   token // for a group: kind tkLParen, spanning the whole group
	group bool
	// lo and hi delimit a group's inner tokens in stmt.toks.
	lo, hi int32
}

// comparison is `left op right` as sqlparse groups it: both sides may be any
// operand; that the left one is an identifier is checked afterwards, with
// MLflow's message.
type comparison struct {
	left, op, right item
	hasRight        bool // false for IS [NOT] NULL
	start, end      int32
}

// stmt is a lexed filter; items and comparisons refer into it by offset.
type stmt struct {
	s    string
	toks []token
}

func (st *stmt) text(it item) string {
	if it.group {
		return st.s[it.tok.start:it.tok.end]
	}
	return it.tok.text(st.s)
}

func (st *stmt) inner(it item) []token { return st.toks[it.lo:it.hi] }

// maxInvalidShown bounds the "Invalid clause(s)" message: a 64 KiB filter of
// garbage would otherwise be echoed back in full, token by token.
const maxInvalidShown = 20

// parseStatement groups a filter into comparisons joined by AND, the shape
// MLflow's _process_statement accepts. Runs of AND anywhere (leading,
// trailing, repeated) are ignored, as MLflow ignores them. Everything that is
// neither a comparison nor AND is an invalid clause, and all of them are
// reported together.
func parseStatement(s string) (*stmt, []comparison, error) {
	st := &stmt{s: s, toks: lex(s)}
	if multipleStatements(st.toks) {
		return nil, nil, mlflowerr.Invalid(
			"Search filter contained multiple expression %s. Provide AND-ed expression list.", pyRepr(s))
	}
	items := st.groupParens()
	var (
		comps          []comparison
		invalid        invalidList
		prevComparison bool
	)
	for i := 0; i < len(items); {
		if it := items[i]; !it.group && it.tok.kind == tkKeyword && strings.EqualFold(st.text(it), "AND") {
			prevComparison = false
			i++
			continue
		}
		if c, next, ok := st.comparisonAt(items, i); ok {
			if prevComparison {
				// Two comparisons with no AND between them: sqlparse's
				// grouping of that is accidental, so say where it is.
				invalid.add(s[c.start:c.end])
			} else {
				comps = append(comps, c)
				if len(comps) > MaxClauses {
					return nil, nil, mlflowerr.Invalid(
						"filter_string has too many clauses: at most %d are allowed", MaxClauses)
				}
			}
			prevComparison = true
			i = next
			continue
		}
		invalid.add(st.text(items[i]))
		prevComparison = false
		i++
	}
	if invalid.total > 0 {
		return nil, nil, invalid.err()
	}
	return st, comps, nil
}

// invalidList keeps the first maxInvalidShown invalid clauses and a count.
type invalidList struct {
	shown []string
	total int
}

func (l *invalidList) add(clause string) {
	if l.total < maxInvalidShown {
		l.shown = append(l.shown, clause)
	}
	l.total++
}

func (l *invalidList) err() error {
	msg := quoteJoin(l.shown)
	if more := l.total - len(l.shown); more > 0 {
		msg += ", ... (" + strconv.Itoa(more) + " more)"
	}
	return mlflowerr.Invalid("Invalid clause(s) in filter string: %s", msg)
}

// multipleStatements reports a ';' with anything after it. sqlparse splits
// statements at ';' outside parentheses only; a lone trailing ';' stays in
// the one statement and is reported as an invalid clause instead.
func multipleStatements(toks []token) bool {
	depth := 0
	for i, t := range toks {
		switch t.kind {
		case tkLParen:
			depth++
		case tkRParen:
			depth--
		case tkSemicolon:
			if depth <= 0 && i < len(toks)-1 {
				return true
			}
		}
	}
	return false
}

// groupParens folds each balanced parenthesised run into one item. Matching
// is done with a stack in one pass, so deeply nested or unbalanced input
// stays linear. An unmatched parenthesis is left as a plain (invalid) token.
func (st *stmt) groupParens() []item {
	toks := st.toks
	match := make([]int32, len(toks))
	var open []int32
	for i, t := range toks {
		match[i] = -1
		switch t.kind {
		case tkLParen:
			open = append(open, int32(i))
		case tkRParen:
			if n := len(open); n > 0 {
				match[open[n-1]] = int32(i)
				open = open[:n-1]
			}
		}
	}
	items := make([]item, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if j := match[i]; t.kind == tkLParen && j >= 0 {
			g := span(tkLParen, int(t.start), int(toks[j].end))
			items = append(items, item{tok: g, group: true, lo: int32(i + 1), hi: j})
			i = int(j)
			continue
		}
		items = append(items, item{tok: t})
	}
	return items
}

// comparisonAt tries to read a comparison starting at items[i].
func (st *stmt) comparisonAt(items []item, i int) (comparison, int, bool) {
	if i+1 >= len(items) || !st.isOperand(items[i]) || !isComparator(items[i+1]) {
		return comparison{}, 0, false
	}
	c := comparison{left: items[i], op: items[i+1], start: items[i].tok.start, end: items[i+1].tok.end}
	next := i + 2
	if !c.op.tok.noOperand {
		if next >= len(items) || !st.isOperand(items[next]) {
			return comparison{}, 0, false
		}
		c.right, c.hasRight, c.end = items[next], true, items[next].tok.end
		next++
	}
	return c, next, true
}

// isOperand mirrors sqlparse's group_comparison: names, numbers, strings,
// parenthesised groups and the NULL keyword may stand on either side.
func (st *stmt) isOperand(it item) bool {
	if it.group {
		return true
	}
	switch it.tok.kind {
	case tkIdent, tkString, tkNumber:
		return true
	case tkKeyword:
		return strings.EqualFold(st.text(it), "NULL")
	}
	return false
}

func isComparator(it item) bool { return !it.group && it.tok.kind == tkComparator }
