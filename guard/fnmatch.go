package guard

import (
	"regexp"
	"strings"
)

// MLflow matches --allowed-hosts and --cors-allowed-origins entries that
// contain "*" with Python's fnmatch.fnmatch (security_utils.py), and compares
// the others for equality. fnmatch is not path.Match: "*" also crosses "/"
// and ".", "[!...]" negates, an unclosed "[" is a literal, a reversed range
// matches nothing, and there is no backslash escape. compileFnmatch
// translates a pattern the way fnmatch.translate does, so an entry admits
// exactly what it admits in MLflow.
func compileFnmatch(pat string) *regexp.Regexp {
	rs := []rune(pat)
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(rs); {
		c := rs[i]
		i++
		switch c {
		case '*':
			b.WriteString(".*")
			for i < len(rs) && rs[i] == '*' {
				i++
			}
		case '?':
			b.WriteString(".")
		case '[':
			class, next, ok := fnmatchClass(rs, i)
			if !ok {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(class)
			i = next
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`)\z`)
	// Every construct above is escaped or well formed, so this cannot fail.
	return regexp.MustCompile(b.String())
}

// fnmatchClass translates the set starting after the "[" at rs[i-1]. ok is
// false when the set is never closed (fnmatch then reads "[" literally).
func fnmatchClass(rs []rune, i int) (class string, next int, ok bool) {
	j := i
	if j < len(rs) && rs[j] == '!' {
		j++
	}
	if j < len(rs) && rs[j] == ']' {
		j++
	}
	for j < len(rs) && rs[j] != ']' {
		j++
	}
	if j >= len(rs) {
		return "", 0, false
	}
	body, negate := rs[i:j], false
	if len(body) > 0 && body[0] == '!' {
		body, negate = body[1:], true
	}
	var items strings.Builder
	for p := 0; p < len(body); {
		if p+2 < len(body) && body[p+1] == '-' {
			// Python drops a reversed range rather than failing.
			if body[p] <= body[p+2] {
				items.WriteString(classRune(body[p]) + "-" + classRune(body[p+2]))
			}
			p += 3
			continue
		}
		items.WriteString(classRune(body[p]))
		p++
	}
	switch {
	case items.Len() == 0 && negate:
		return ".", j + 1, true
	case items.Len() == 0:
		return `[^\x00-\x{10FFFF}]`, j + 1, true // matches nothing
	case negate:
		return "[^" + items.String() + "]", j + 1, true
	default:
		return "[" + items.String() + "]", j + 1, true
	}
}

func classRune(r rune) string {
	if strings.ContainsRune(`\]-^[`, r) {
		return `\` + string(r)
	}
	return string(r)
}

// matchList is an allow-list in MLflow's form: "*" allows everything,
// entries with "*" are fnmatch patterns, the rest must be equal. Entries and
// candidates are compared in lower case: host names and origin schemes are
// case-insensitive, and browsers send them in lower case anyway.
type matchList struct {
	all      bool
	exact    map[string]struct{}
	patterns []*regexp.Regexp
}

func newMatchList(entries []string) matchList {
	m := matchList{exact: map[string]struct{}{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case e == "*":
			m.all = true
		case strings.Contains(e, "*"):
			m.patterns = append(m.patterns, compileFnmatch(e))
		default:
			m.exact[e] = struct{}{}
		}
	}
	return m
}

func (m matchList) empty() bool { return !m.all && len(m.exact) == 0 && len(m.patterns) == 0 }

// exactMatch reports whether s equals an entry without "*".
func (m matchList) exactMatch(s string) bool {
	_, ok := m.exact[strings.ToLower(s)]
	return ok && s != ""
}

func (m matchList) match(s string) bool {
	if m.all {
		return true
	}
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	if _, ok := m.exact[s]; ok {
		return true
	}
	for _, p := range m.patterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}
