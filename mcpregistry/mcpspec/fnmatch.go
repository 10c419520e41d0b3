package mcpspec

// fnmatch matches name against a Python fnmatch pattern ("*", "?", "[seq]",
// "[!seq]"; no escape character), the syntax of MLflow's
// MLFLOW_ICON_URL_ALLOWED_DOMAINS. Class parsing follows fnmatch.translate,
// including its handling of "-" (ranges between neighbours, literal at the
// edges) and its dropping of empty ranges such as "z-a".
func fnmatch(name, pattern string) bool {
	return globMatch([]rune(name), compileGlob([]rune(pattern)))
}

type globKind uint8

const (
	globLiteral globKind = iota
	globAny
	globStar
	globClass
)

type runeRange struct{ lo, hi rune }

type globToken struct {
	kind   globKind
	r      rune
	negate bool
	ranges []runeRange
	never  bool // a class left empty by dropped ranges matches nothing
}

func compileGlob(pat []rune) []globToken {
	var out []globToken
	n := len(pat)
	for i := 0; i < n; {
		c := pat[i]
		i++
		switch c {
		case '*':
			if len(out) == 0 || out[len(out)-1].kind != globStar {
				out = append(out, globToken{kind: globStar})
			}
		case '?':
			out = append(out, globToken{kind: globAny})
		case '[':
			j := i
			if j < n && pat[j] == '!' {
				j++
			}
			if j < n && pat[j] == ']' {
				j++
			}
			for j < n && pat[j] != ']' {
				j++
			}
			if j >= n {
				out = append(out, globToken{kind: globLiteral, r: '['})
				continue
			}
			out = append(out, globClassToken(pat[i:j]))
			i = j + 1
		default:
			out = append(out, globToken{kind: globLiteral, r: c})
		}
	}
	return out
}

// globClassToken interprets the text between "[" and "]".
func globClassToken(body []rune) globToken {
	// Split at range hyphens exactly as fnmatch.translate does: the first
	// character (after "!") is never a range operator, and after a range
	// the search resumes two characters on.
	var chunks [][]rune
	i := 0
	k := 1
	if len(body) > 0 && body[0] == '!' {
		k = 2
	}
	for {
		h := -1
		for x := k; x < len(body); x++ {
			if body[x] == '-' {
				h = x
				break
			}
		}
		if h < 0 {
			break
		}
		chunks = append(chunks, body[i:h])
		i = h + 1
		k = h + 3
	}
	if last := body[i:]; len(last) > 0 {
		chunks = append(chunks, last)
	} else if len(chunks) > 0 {
		chunks[len(chunks)-1] = append(append([]rune{}, chunks[len(chunks)-1]...), '-')
	}
	for x := len(chunks) - 1; x > 0; x-- {
		prev, cur := chunks[x-1], chunks[x]
		if len(prev) > 0 && len(cur) > 0 && prev[len(prev)-1] > cur[0] {
			chunks[x-1] = append(append([]rune{}, prev[:len(prev)-1]...), cur[1:]...)
			chunks = append(chunks[:x], chunks[x+1:]...)
		}
	}
	var stuff []rune // flattened for the empty / "!" tests
	for x, ch := range chunks {
		if x > 0 {
			stuff = append(stuff, '-')
		}
		stuff = append(stuff, ch...)
	}
	tok := globToken{kind: globClass}
	switch {
	case len(stuff) == 0:
		tok.never = true
		return tok
	case len(stuff) == 1 && stuff[0] == '!':
		return globToken{kind: globAny}
	}
	if chunks[0][0] == '!' {
		tok.negate = true
		chunks[0] = chunks[0][1:]
	}
	var lits []rune
	for x, ch := range chunks {
		if x > 0 && len(lits) > 0 && len(ch) > 0 {
			lo := lits[len(lits)-1]
			lits = lits[:len(lits)-1]
			tok.ranges = append(tok.ranges, runeRange{lo, ch[0]})
			ch = ch[1:]
		}
		lits = append(lits, ch...)
	}
	for _, r := range lits {
		tok.ranges = append(tok.ranges, runeRange{r, r})
	}
	return tok
}

func (t *globToken) matches(r rune) bool {
	switch t.kind {
	case globLiteral:
		return t.r == r
	case globAny:
		return true
	case globClass:
		if t.never {
			return false
		}
		in := false
		for _, rr := range t.ranges {
			if r >= rr.lo && r <= rr.hi {
				in = true
				break
			}
		}
		return in != t.negate
	}
	return false
}

// globMatch is the usual star-backtracking matcher: linear in practice,
// quadratic at worst, for host names of at most 253 characters.
func globMatch(name []rune, toks []globToken) bool {
	ni, ti := 0, 0
	starTok, starName := -1, 0
	for ni < len(name) {
		switch {
		case ti < len(toks) && toks[ti].kind == globStar:
			starTok, starName = ti, ni
			ti++
		case ti < len(toks) && toks[ti].matches(name[ni]):
			ni++
			ti++
		case starTok >= 0:
			starName++
			ni, ti = starName, starTok+1
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].kind == globStar {
		ti++
	}
	return ti == len(toks)
}
