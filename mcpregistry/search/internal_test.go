package search

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPyRepr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"name = 'a'; x", `"name = 'a'; x"`},
		{`a"b`, `'a"b'`},
		{`it's "x"`, `'it\'s "x"'`},
		{`back\slash`, `'back\\slash'`},
		{"tab\tnl\ncr\r", `'tab\tnl\ncr\r'`},
		{"bell\a del\x7f", `'bell\x07 del\x7f'`},
		{"nbsp\u00a0 zwsp\u200b", `'nbsp\xa0 zwsp\u200b'`},
		{"ключ 名前 🙂", "'ключ 名前 🙂'"},
		{"tag\U000E0041", `'tag\U000e0041'`},
	}
	for _, tc := range cases {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestLex(t *testing.T) {
	render := func(s string) string {
		toks := lex(s)
		parts := make([]string, len(toks))
		for i, tk := range toks {
			parts[i] = string("?isnckLR,;o"[tk.kind]) + ":" + tk.text(s)
		}
		return strings.Join(parts, " ")
	}
	cases := []struct{ in, want string }{
		{"tags.`a b`.\"c\"='x'", "i:tags.`a b`.\"c\" c:= s:'x'"},
		{"a NOT   IN ('x',\"y\")", "i:a c:NOT IN L:( s:'x' ,:, i:\"y\" R:)"},
		{"a is not null AND b IS NULL", "i:a c:is not null k:AND i:b c:IS NULL"},
		{"a IS NOT b", "i:a k:IS k:NOT i:b"},
		{"a NOT b", "i:a k:NOT i:b"},
		{"x>=-1.5e3", "i:x c:>= n:-1.5e3"},
		{"x = 12ab", "i:x c:= o:12ab"},
		{"x = 1.5.3", "i:x c:= n:1.5 n:.3"},
		{"x = 'it''s' y", "i:x c:= s:'it''s' i:y"},
		{`x = 'a\'b'`, `i:x c:= s:'a\'b'`},
		{`x = 'a\'`, `i:x c:= s:'a\'`},
		{"x = 'open", "i:x c:= o:' i:open"},
		{"x = `open", "i:x c:= o:` i:open"},
		{"x. = 1", "i:x o:. c:= n:1"},
		{"a -- c\nb /* d */ c /* e", "i:a o:-- c i:b o:/* d */ i:c o:/* e"},
		{"x @ $ - +", "i:x o:@ o:$ o:- o:+"},
	}
	for _, tc := range cases {
		if got := render(tc.in); got != tc.want {
			t.Errorf("lex(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// TestDecodeMalformedPosition: a payload that passes the check but is not a
// well-formed position (only a buggy or older encoder could make one) is
// still refused, never half-read.
func TestDecodeMalformedPosition(t *testing.T) {
	fp := Fingerprint{Resource: Servers, Order: []OrderTerm{{Key: OrderName}}}
	digest := fp.digest()
	payloads := map[string][]byte{
		"empty":            {},
		"unknown kind":     {7},
		"truncated length": {byte(KindString), 0x80},
		"length past end":  {byte(KindString), 5, 'a'},
		"huge length":      {byte(KindString), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"truncated varint": {byte(KindInt), 0x80},
		"wrong kind":       {byte(KindInt), 2},
		"trailing value":   {byte(KindString), 1, 'a', byte(KindString) | nullFlag},
	}
	for name, payload := range payloads {
		t.Run(name, func(t *testing.T) {
			raw := append([]byte{tokenFormatV1}, digest[:fpTagLen]...)
			raw = append(raw, payload...)
			raw = append(raw, check(digest, payload)...)
			_, err := DecodeToken(base64.RawURLEncoding.EncodeToString(raw), fp)
			if err == nil || err.Error() != "Invalid page token, malformed position" {
				t.Fatalf("got %v", err)
			}
		})
	}
}
