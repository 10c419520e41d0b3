package guard

import (
	"encoding/json"
	"os"
	"testing"
)

// Expected values are what Python 3.12's fnmatch.fnmatchcase returns.
func TestFnmatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a/b.example.com", true}, // "*" crosses "/"
		{"*", "", true},
		{"a**b", "ab", true},
		{"a*", "a\nb", true}, // DOTALL
		{"host?", "host1", true},
		{"host?", "host", false},
		{"x.y*", "xzy", false}, // "." is literal
		{"[ab]x", "ax", true},
		{"[ab]x", "cx", false},
		{"[!ab]x", "ax", false},
		{"[!ab]x", "cx", true},
		{"[a-c]*", "b1", true},
		{"[a-c]*", "d1", false},
		{"[c-a]", "b", false}, // a reversed range matches nothing
		{"[!c-a]x", "zx", true},
		{"[a-]", "-", true}, // trailing "-" is literal
		{"[a-]", "a", true},
		{"[a-c-e]", "-", true}, // after a range, "-" is literal
		{"[a-c-e]", "d", false},
		{"[a-c-e]", "e", true},
		{"a[]]b", "a]b", true}, // "]" first in a set is literal
		{"[^a]", "^", true},    // "^" is not negation in fnmatch
		{"[^a]", "b", false},
		{"[", "[", true}, // an unclosed "[" is literal
		{"[x", "[x", true},
		{"[x", "x", false},
		{`a\*`, `a\b`, true}, // no backslash escape
		{`a\*`, `ab`, false},
		{"[[]::1]:*", "[::1]:5000", true},
		{"[::1]:*", "[::1]:5000", false}, // unescaped, "[::1]" is a one-character set
		{"(a|b)*", "(a|b)c", true},       // regexp syntax is literal
		{"a+", "aa", false},
		{"ü*", "über", true},
	}
	for _, tc := range cases {
		if got := compileFnmatch(tc.pattern).MatchString(tc.s); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tc.s, tc.pattern, got, tc.want)
		}
	}
}

func FuzzFnmatchCompiles(f *testing.F) {
	for _, s := range []string{"*.example.com", "[!a-c]x", "[", "a[]]b", `a\*`, "[c-a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		// compileFnmatch must accept every pattern (MLflow does), and a
		// pattern without special characters must match itself.
		re := compileFnmatch(pattern)
		plain := true
		for _, r := range pattern {
			if r == '*' || r == '?' || r == '[' {
				plain = false
			}
		}
		if plain && !re.MatchString(pattern) {
			t.Fatalf("%q does not match itself", pattern)
		}
	})
}

// Vectors recorded from Python's fnmatch on random patterns built from its
// special characters (testdata/fnmatch-vectors.json says how).
func TestFnmatchPythonVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/fnmatch-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []struct {
			Pattern string `json:"pattern"`
			S       string `json:"s"`
			Match   bool   `json:"match"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) < 400 {
		t.Fatalf("only %d vectors", len(doc.Vectors))
	}
	for _, v := range doc.Vectors {
		if got := compileFnmatch(v.Pattern).MatchString(v.S); got != v.Match {
			t.Errorf("fnmatch(%q, %q) = %v, Python says %v", v.S, v.Pattern, got, v.Match)
		}
	}
}
