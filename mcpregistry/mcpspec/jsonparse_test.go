package mcpspec

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // compact re-encoding, or the error message
	}{
		{"scalars", ` [ null , true , false , 0 , -0.5e+3 , "" ] `, `[null,true,false,0,-0.5e+3,""]`},
		{"key order kept", `{"b":1,"a":{"d":[],"c":{}}}`, `{"b":1,"a":{"d":[],"c":{}}}`},
		{"escapes decoded", `"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, `"\"\\/\u0008\u000c\n\r\té😀"`},
		{"raw UTF-8 kept", `"ü€😀"`, `"ü€😀"`},
		{"big and exotic numbers kept", `[123456789012345678901234567890,1E400,-0]`, `[123456789012345678901234567890,1E400,-0]`},
		{"empty input", ``, "Invalid request: doc: Invalid JSON at byte 0: unexpected end of input"},
		{"leading zero", `01`, "Invalid request: doc: Invalid JSON at byte 1: unexpected data after the top-level value"},
		{"bare minus", `-`, "Invalid request: doc: Invalid JSON at byte 1: unexpected end of input"},
		{"missing fraction", `1.`, "Invalid request: doc: Invalid JSON at byte 2: unexpected end of input"},
		{"missing exponent", `[1e]`, "Invalid request: doc.0: Invalid JSON at byte 3: unexpected character ']'"},
		{"single quotes", `{'a':1}`, "Invalid request: doc: Invalid JSON at byte 1: unexpected character '\\''"},
		{"unterminated string", `{"a":"x`, "Invalid request: doc.a: Invalid JSON at byte 7: unterminated string"},
		{"control character", "[\"a\tb\"]", "Invalid request: doc.0: Invalid JSON at byte 3: control character in string"},
		{"bad escape", `["\x"]`, "Invalid request: doc.0: Invalid JSON at byte 3: invalid escape 'x'"},
		{"short unicode escape", `["\u12"]`, "Invalid request: doc.0: Invalid JSON at byte 4: invalid \\u escape"},
		{"lone low surrogate", `["\udc00"]`, "Invalid request: doc.0: Invalid \\u escape in string: unpaired surrogate"},
		{"high surrogate then text", `["\ud800\u0041"]`, "Invalid request: doc.0: Invalid \\u escape in string: unpaired surrogate"},
		{"invalid UTF-8 after an escape", "[\"\\n\xc3\"]", "Invalid request: doc.0: Invalid UTF-8 in string"},
		{"missing colon", `{"a" 1}`, "Invalid request: doc: Invalid JSON at byte 5: unexpected character '1'"},
		{"trailing comma in array", `[1,]`, "Invalid request: doc.1: Invalid JSON at byte 3: unexpected character ']'"},
		{"duplicate key deep", `{"a":[{"k":1,"k":2}]}`, "Invalid request: doc.a.0: Duplicate key 'k'"},
		{"misspelt literal", `[nul]`, "Invalid request: doc.0: Invalid JSON at byte 1: unexpected character 'n'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := parseDocument([]byte(tc.in), "doc")
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = string(v.raw())
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if err == nil && !json.Valid(v.raw()) {
				t.Fatalf("re-encoding %s is not valid JSON", v.raw())
			}
		})
	}
}

func TestParseDocumentLargeObject(t *testing.T) {
	for _, n := range []int{15, 16, 17, 5000} {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		unique := b.String() + `"last":0}`
		if v, err := parseDocument([]byte(unique), "doc"); err != nil || len(v.members) != n+1 {
			t.Fatalf("%d keys: %v", n, err)
		}
		for _, dup := range []int{0, n / 2, n - 1} {
			doc := b.String() + fmt.Sprintf(`"k%d":0}`, dup)
			want := fmt.Sprintf("Invalid request: doc: Duplicate key 'k%d'", dup)
			if _, err := parseDocument([]byte(doc), "doc"); err == nil || err.Error() != want {
				t.Fatalf("%d keys, duplicate k%d: %v", n, dup, err)
			}
		}
	}
}

func TestParseDocumentDepth(t *testing.T) {
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := parseDocument([]byte(ok), ""); err != nil {
		t.Fatalf("%d levels: %v", maxDepth, err)
	}
	deep := "[" + ok + "]"
	if _, err := parseDocument([]byte(deep), ""); err == nil || !strings.Contains(err.Error(), "nesting deeper than 512 levels") {
		t.Fatalf("%d levels: %v", maxDepth+1, err)
	}
}
