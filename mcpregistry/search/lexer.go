package search

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tkIdent      tokKind = iota + 1 // name, `quoted`, "quoted", dotted: tags.`a b`
	tkString                        // 'single-quoted'
	tkNumber                        // 12, -3, 1.5, .5, 1e3
	tkComparator                    // = != <> ... LIKE ILIKE IN, NOT IN, IS NULL ...
	tkKeyword                       // AND OR NOT IS NULL TRUE FALSE standing alone
	tkLParen
	tkRParen
	tkComma
	tkSemicolon
	tkOther // anything sqlparse would not group into a comparison
)

// token is a span of the filter. It holds no pointers, so the token slice
// of a 64 KiB filter costs the garbage collector nothing to scan.
type token struct {
	kind tokKind
	// isFloat marks a number with a fraction or exponent.
	isFloat bool
	// noOperand marks IS [NOT] NULL, which takes no right-hand side.
	noOperand  bool
	start, end int32 // byte offsets into the filter (at most MaxFilterBytes)
}

// text is the token's source text, except that a multi-word comparator
// (NOT IN, IS NULL) has its inner whitespace collapsed to one space.
func (t token) text(s string) string {
	raw := s[t.start:t.end]
	if t.kind == tkComparator && strings.IndexFunc(raw, isSpace) >= 0 {
		return strings.Join(strings.Fields(raw), " ")
	}
	return raw
}

func span(kind tokKind, start, end int) token {
	return token{kind: kind, start: int32(start), end: int32(end)}
}

// The quoted forms follow sqlparse's lexer exactly, so a filter splits into
// the same strings MLflow sees: a quote is doubled or backslash-escaped to
// stay inside, and nothing is unescaped afterwards. Go's regexp picks the
// match a backtracking engine would, which is what sqlparse's re gives.
var (
	singleQuoted = regexp.MustCompile(`^'(?:''|\\'|[^'])*'`)
	doubleQuoted = regexp.MustCompile(`^"(?:""|\\"|[^"])*"`)
	backQuoted   = regexp.MustCompile("^`(?:``|[^`])*`")
	number       = regexp.MustCompile(`^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?`)
	symbolicCmp  = regexp.MustCompile(`^[<>=~!]+`)
)

// lex splits a filter (already checked to be valid UTF-8 without NUL) into
// tokens. It never fails: text it cannot classify becomes tkOther tokens,
// which the statement check reports as invalid clauses.
func lex(s string) []token {
	// Tokens and the spaces between them take at least two bytes each in
	// any realistic filter; the estimate saves most regrowth of the slice.
	toks := make([]token, 0, len(s)/2+1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var t token
		switch {
		case isSpace(r):
			i += size
			continue
		case r == '\'':
			t = lexQuoted(s, i, singleQuoted, tkString)
		case strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*"):
			t = lexComment(s, i)
		case r == '"' || r == '`' || isIdentStart(r):
			t = lexWord(s, i)
		case isDigit(r) || (r == '.' || r == '-') && number.MatchString(s[i:]):
			t = lexNumber(s, i)
		case r == '(':
			t = span(tkLParen, i, i+1)
		case r == ')':
			t = span(tkRParen, i, i+1)
		case r == ',':
			t = span(tkComma, i, i+1)
		case r == ';':
			t = span(tkSemicolon, i, i+1)
		default:
			if m := symbolicCmp.FindString(s[i:]); m != "" {
				t = span(tkComparator, i, i+len(m))
			} else {
				t = span(tkOther, i, i+size)
			}
		}
		toks = append(toks, t)
		i = int(t.end)
	}
	return toks
}

// lexQuoted reads one quoted run. An unterminated quote is a one-character
// tkOther, as sqlparse makes it an Error token and lexes on after it.
func lexQuoted(s string, i int, re *regexp.Regexp, kind tokKind) token {
	if m := re.FindString(s[i:]); m != "" {
		return span(kind, i, i+len(m))
	}
	return span(tkOther, i, i+1)
}

// lexComment reads an SQL comment as one tkOther, so it is reported as one
// invalid clause, as sqlparse reports its Comment token.
func lexComment(s string, i int) token {
	end := len(s)
	if s[i] == '-' {
		if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
			end = i + n
		}
	} else if n := strings.Index(s[i+2:], "*/"); n >= 0 {
		end = i + 2 + n + 2
	}
	return span(tkOther, i, end)
}

// lexWord reads an identifier (parts joined by '.') or a keyword or a word
// comparator.
func lexWord(s string, start int) token {
	end, ok := identPart(s, start)
	if !ok {
		return span(tkOther, start, start+1)
	}
	parts := 1
	for end < len(s) && s[end] == '.' {
		next, ok := identPart(s, end+1)
		if !ok {
			break
		}
		end, parts = next, parts+1
	}
	if parts == 1 && s[start] != '"' && s[start] != '`' {
		return classifyWord(s, start, end)
	}
	return span(tkIdent, start, end)
}

// identPart returns the end of one identifier part starting at i.
func identPart(s string, i int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch s[i] {
	case '"':
		m := doubleQuoted.FindString(s[i:])
		return i + len(m), m != ""
	case '`':
		m := backQuoted.FindString(s[i:])
		return i + len(m), m != ""
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if !isIdentStart(r) {
		return 0, false
	}
	j := i + size
	for j < len(s) {
		r, size = utf8.DecodeRuneInString(s[j:])
		if !isIdentChar(r) {
			break
		}
		j += size
	}
	return j, true
}

// classifyWord turns a bare single word into a keyword or comparator where
// it is one. Keywords match in any case; whether a comparator's case is
// acceptable is decided later, so the written text is kept.
func classifyWord(s string, start, end int) token {
	t, w := span(tkIdent, start, end), s[start:end]
	switch {
	case len(w) > 5: // longer than any keyword: the common case, decided fast
	case oneOf(w, "AND", "OR", "NULL", "TRUE", "FALSE"):
		t.kind = tkKeyword
	case oneOf(w, "LIKE", "ILIKE", "RLIKE", "IN"):
		t.kind = tkComparator
	case strings.EqualFold(w, "NOT"):
		t.kind = tkKeyword
		if w, wEnd, ok := nextWord(s, end); ok && oneOf(w, "IN", "LIKE", "ILIKE", "RLIKE") {
			t = span(tkComparator, start, wEnd)
		}
	case strings.EqualFold(w, "IS"):
		t.kind = tkKeyword
		w, wEnd, ok := nextWord(s, end)
		if ok && strings.EqualFold(w, "NOT") {
			w, wEnd, ok = nextWord(s, wEnd)
		}
		if ok && strings.EqualFold(w, "NULL") {
			t = span(tkComparator, start, wEnd)
			t.noOperand = true
		}
	}
	return t
}

// nextWord returns the bare word after at least one space at i.
func nextWord(s string, i int) (string, int, bool) {
	j := i
	for j < len(s) && isSpace(rune(s[j])) {
		j++
	}
	if j == i {
		return "", 0, false
	}
	end, ok := identPart(s, j)
	if !ok || s[j] == '"' || s[j] == '`' || (end < len(s) && s[end] == '.') {
		return "", 0, false
	}
	return s[j:end], end, true
}

func oneOf(w string, options ...string) bool {
	for _, o := range options {
		if strings.EqualFold(w, o) {
			return true
		}
	}
	return false
}

// lexNumber reads a numeric literal. Digits running straight into letters
// (0x1F, 12ab) are not a number: the whole run becomes one tkOther.
func lexNumber(s string, i int) token {
	m := number.FindString(s[i:])
	end := i + len(m)
	if m == "" || end < len(s) && startsIdentChar(s[end:]) {
		j := max(end, i+1)
		for j < len(s) && startsIdentChar(s[j:]) {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
		return span(tkOther, i, j)
	}
	t := span(tkNumber, i, end)
	t.isFloat = strings.ContainsAny(m, ".eE")
	return t
}

func startsIdentChar(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isIdentChar(r)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}
func isDigit(r rune) bool      { return '0' <= r && r <= '9' }
func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentChar(r rune) bool  { return isIdentStart(r) || unicode.IsDigit(r) }
