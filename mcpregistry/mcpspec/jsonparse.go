package mcpspec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// maxDepth bounds nesting. Python's json module gives up near 1000 levels
// (RecursionError, a 500 in MLflow); we refuse earlier and say why.
const maxDepth = 512

// parser is a strict RFC 8259 reader. Unlike encoding/json it rejects what
// would make the stored document ambiguous or unstorable: duplicate keys
// (Python silently keeps the last one), invalid UTF-8, and \u escapes that
// are unpaired surrogates (PostgreSQL's json type refuses them).
type parser struct {
	data []byte
	pos  int
	path []pathSeg
	root string
}

type pathSeg struct {
	key   string
	index int
	isKey bool
}

// parseDocument decodes data; failures are request issues located at the
// value that is wrong, with root as the location of the whole document.
func parseDocument(data []byte, root string) (value, error) {
	p := &parser{data: data, root: root}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return value{}, p.syntaxErr("unexpected data after the top-level value")
	}
	return v, nil
}

func (p *parser) loc() string {
	var b strings.Builder
	b.WriteString(p.root)
	for _, s := range p.path {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if s.isKey {
			b.WriteString(s.key)
		} else {
			b.WriteString(strconv.Itoa(s.index))
		}
	}
	return b.String()
}

func (p *parser) issue(msg string) error {
	return mlflowerr.InvalidRequest(mlflowerr.Issue{Loc: p.loc(), Msg: msg})
}

func (p *parser) syntaxErr(what string) error {
	return p.issue(fmt.Sprintf("Invalid JSON at byte %d: %s", p.pos, what))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) unexpected() error {
	if p.pos >= len(p.data) {
		return p.syntaxErr("unexpected end of input")
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return p.syntaxErr(fmt.Sprintf("unexpected character %s", strconv.QuoteRune(r)))
}

func (p *parser) value(depth int) (value, error) {
	if p.pos >= len(p.data) {
		return value{}, p.unexpected()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		return value{kind: kindString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		for _, lit := range [...]struct {
			text string
			v    value
		}{{"null", value{}}, {"true", value{kind: kindBool, boolean: true}}, {"false", value{kind: kindBool}}} {
			if bytes.HasPrefix(p.data[p.pos:], []byte(lit.text)) {
				p.pos += len(lit.text)
				return lit.v, nil
			}
		}
		return value{}, p.unexpected()
	}
}

func (p *parser) object(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.syntaxErr(fmt.Sprintf("nesting deeper than %d levels", maxDepth))
	}
	p.pos++ // {
	v := value{kind: kindObject, members: []member{}}
	// A linear scan finds duplicates in small objects; large ones get a set,
	// so that a body with many keys costs linear, not quadratic, time.
	var keys map[string]struct{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return value{}, p.unexpected()
		}
		key, err := p.str()
		if err != nil {
			return value{}, err
		}
		if p.duplicate(&v, &keys, key) {
			return value{}, p.issue("Duplicate key " + pyRepr(key))
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return value{}, p.unexpected()
		}
		p.pos++
		p.skipSpace()
		p.path = append(p.path, pathSeg{key: key, isKey: true})
		child, err := p.value(depth)
		if err != nil {
			return value{}, err
		}
		p.path = p.path[:len(p.path)-1]
		v.members = append(v.members, member{key: key, val: child})
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		return value{}, p.unexpected()
	}
}

func (p *parser) duplicate(v *value, keys *map[string]struct{}, key string) bool {
	const small = 16
	if len(v.members) < small {
		_, dup := v.get(key)
		return dup
	}
	if *keys == nil {
		*keys = make(map[string]struct{}, 2*small)
		for _, m := range v.members {
			(*keys)[m.key] = struct{}{}
		}
	}
	if _, dup := (*keys)[key]; dup {
		return true
	}
	(*keys)[key] = struct{}{}
	return false
}

func (p *parser) array(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.syntaxErr(fmt.Sprintf("nesting deeper than %d levels", maxDepth))
	}
	p.pos++ // [
	v := value{kind: kindArray, items: []value{}}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		p.path = append(p.path, pathSeg{index: len(v.items)})
		child, err := p.value(depth)
		if err != nil {
			return value{}, err
		}
		p.path = p.path[:len(p.path)-1]
		v.items = append(v.items, child)
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return v, nil
		}
		return value{}, p.unexpected()
	}
}

func (p *parser) number() (value, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return value{}, p.unexpected()
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return value{}, p.unexpected()
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return value{}, p.unexpected()
		}
	}
	return value{kind: kindNumber, text: string(p.data[start:p.pos])}, nil
}

// str reads a string token, leaving pos after the closing quote.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if !utf8.Valid(s) {
				return "", p.issue("Invalid UTF-8 in string")
			}
			p.pos++
			return string(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	var b []byte
	b = append(b, p.data[start:p.pos]...)
	for {
		if p.pos >= len(p.data) {
			return "", p.syntaxErr("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(b) {
				return "", p.issue("Invalid UTF-8 in string")
			}
			return string(b), nil
		case c < 0x20:
			return "", p.syntaxErr("control character in string")
		case c != '\\':
			b = append(b, c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.data) {
			return "", p.syntaxErr("unterminated string")
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, err := p.escapedRune()
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
		default:
			p.pos--
			return "", p.syntaxErr(fmt.Sprintf("invalid escape %s", strconv.QuoteRune(rune(e))))
		}
	}
}

// escapedRune decodes the hex digits after \u, joining surrogate pairs.
func (p *parser) escapedRune() (rune, error) {
	r, ok := p.hex4()
	if !ok {
		return 0, p.syntaxErr("invalid \\u escape")
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if r < 0xdc00 && p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
		p.pos += 2
		if lo, ok := p.hex4(); ok {
			if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
				return pair, nil
			}
		}
	}
	return 0, p.issue("Invalid \\u escape in string: unpaired surrogate")
}

func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.pos += 4
	return r, true
}
