package proxy

import (
	"fmt"
	"net/url"
	"strings"
)

// pattern is a compiled route path: literal segments and {name} segments,
// matched against the raw (escaped) request path one segment at a time.
type pattern struct {
	segs []segment
}

type segment struct {
	lit   string // escaped literal; empty for a parameter
	param string // parameter name; empty for a literal
}

// compilePattern parses "/a/b/{id}/c". Literals are kept in escaped form so
// they compare byte for byte with the raw path; a parameter takes exactly one
// non-empty segment (an encoded slash, %2F, stays inside its segment).
func compilePattern(p string) (pattern, error) {
	if !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/") {
		return pattern{}, fmt.Errorf("route pattern %q must start with / and not end with /", p)
	}
	var pt pattern
	seen := map[string]bool{}
	for _, s := range strings.Split(p[1:], "/") {
		switch {
		case s == "":
			return pattern{}, fmt.Errorf("route pattern %q has an empty segment", p)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			name := s[1 : len(s)-1]
			if name == "" || strings.ContainsAny(name, "{}") || seen[name] {
				return pattern{}, fmt.Errorf("route pattern %q: bad or repeated parameter %q", p, s)
			}
			seen[name] = true
			pt.segs = append(pt.segs, segment{param: name})
		case strings.ContainsAny(s, "{}"):
			return pattern{}, fmt.Errorf("route pattern %q: a parameter must be a whole segment", p)
		default:
			pt.segs = append(pt.segs, segment{lit: (&url.URL{Path: s}).EscapedPath()})
		}
	}
	return pt, nil
}

// match reports whether raw starts with the pattern. rest is what follows the
// pattern ("" or "/..."): a pattern never matches part of a segment, so
// /mcp-servers does not match /mcp-servers-foo. params gets the raw values of
// {name} segments appended in pattern order when it is not nil.
func (pt pattern) match(raw string, params *[]string) (rest string, ok bool) {
	for _, sg := range pt.segs {
		if len(raw) == 0 || raw[0] != '/' {
			return "", false
		}
		raw = raw[1:]
		end := strings.IndexByte(raw, '/')
		if end < 0 {
			end = len(raw)
		}
		val := raw[:end]
		if sg.param == "" {
			if val != sg.lit {
				return "", false
			}
		} else {
			if val == "" {
				return "", false
			}
			if params != nil {
				*params = append(*params, val)
			}
		}
		raw = raw[end:]
	}
	return raw, true
}

func (pt pattern) paramNames() []string {
	var names []string
	for _, sg := range pt.segs {
		if sg.param != "" {
			names = append(names, sg.param)
		}
	}
	return names
}
