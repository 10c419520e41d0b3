package mcpspec

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCanonicalIcons(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want: stored JSON, or the error message
	}{
		{name: "null", in: `null`, want: `null`},
		{name: "empty", in: `[]`, want: `[]`},
		{name: "unknown keys first, nulls of known keys dropped",
			in:   `[{"theme":null,"src":"https://example.com/a.png","x":null,"sizes":[],"mimeType":" Image/PNG ","y":{"b":1,"a":2}}]`,
			want: `[{"x":null,"y":{"b":1,"a":2},"src":"https://example.com/a.png","sizes":[],"mimeType":"image/png"}]`},
		{name: "theme and sizes kept", in: `[{"sizes":["48x48","any"],"theme":"light","src":"https://example.com/a.png"}]`,
			want: `[{"src":"https://example.com/a.png","sizes":["48x48","any"],"theme":"light"}]`},
		{name: "not a list", in: `{"src":"https://example.com/a.png"}`, want: "Invalid request: icons: Input should be a valid list"},
		{name: "item not an object", in: `["https://example.com/a.png"]`,
			want: "Invalid request: icons.0: Input should be a valid dictionary or instance of MCPIconRequestPayload"},
		{name: "type issues in field order", in: `[{"theme":1,"mimeType":2,"sizes":[3,"any",null]}]`,
			want: "Invalid request: icons.0.src: Field required; icons.0.sizes.0: Input should be a valid string; " +
				"icons.0.sizes.2: Input should be a valid string; icons.0.mimeType: Input should be a valid string; icons.0.theme: Input should be a valid string"},
		{name: "src not a string", in: `[{"src":null}]`, want: "Invalid request: icons.0.src: Input should be a valid string"},
		{name: "issues across icons", in: `[{"src":"https://example.com/a.png","sizes":"48x48"},{}]`,
			want: "Invalid request: icons.0.sizes: Input should be a valid list; icons.1.src: Field required"},
		{name: "bare image/ type", in: `[{"src":"https://example.com/a.png","mimeType":" image/ "}]`,
			want: "Invalid icon mimeType ' image/ '. Allowed values must use the 'image/*' media type."},
		{name: "validator failure beats issues before it", in: `[{"mimeType":"image/png"},{"src":"http://example.com/a.png"}]`,
			want: "Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'."},
		{name: "validator failure beats issues after it", in: `[{"src":"http://example.com/a.png"},{}]`,
			want: "Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'."},
		{name: "earlier lookup failure beats later scheme failure", in: `[{"src":"https://nowhere.example.org/a.png"},{"src":"http://example.com/a.png"}]`,
			want: "Cannot resolve Icon URL hostname 'nowhere.example.org': [Errno -2] Name or service not known"},
		{name: "src checked before mimeType", in: `[{"mimeType":"text/html","src":"https://127.0.0.1/a.png"}]`,
			want: "Icon URL must not resolve to a non-public IP address. '127.0.0.1' resolves to 127.0.0.1."},
		{name: "mimeType checked before a later icon", in: `[{"src":"https://example.com/a","mimeType":"text/html"},{"src":"http://x"}]`,
			want: "Invalid icon mimeType 'text/html'. Allowed values must use the 'image/*' media type."},
		{name: "theme outside the MCP spec", in: `[{"src":"https://example.com/a.png","theme":"blue"}]`,
			want: "Invalid icon theme 'blue' at icons.0.theme. Allowed values: 'light', 'dark'."},
		{name: "size outside the MCP spec", in: `[{"src":"https://example.com/a.png","sizes":["any","48"]}]`,
			want: "Invalid icon size '48' at icons.0.sizes.1. Allowed values: 'any' or '<width>x<height>' such as '48x48'."},
		{name: "MLflow's checks of an icon come first", in: `[{"src":"https://example.com/a.png","theme":"Dark","mimeType":"text/plain"}]`,
			want: "Invalid icon mimeType 'text/plain'. Allowed values must use the 'image/*' media type."},
	} {
		t.Run(tc.name, func(t *testing.T) { checkStored(t, CanonicalIcons, "icons", tc.in, tc.want) })
	}
}

func TestLenientIconSpec(t *testing.T) {
	p := testPolicy()
	p.LenientSpec = true
	in := `[{"src":"https://example.com/a.png","theme":"blue","sizes":["48"]}]`
	out, err := CanonicalIcons(context.Background(), json.RawMessage(in), "icons", p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"src":"https://example.com/a.png","sizes":["48"],"theme":"blue"}]`; string(out) != want {
		t.Fatalf("got %s, want %s", out, want)
	}
}

// icons builds n valid icons, with src replaced at the given indexes.
func icons(n int, override map[int]string) json.RawMessage {
	items := make([]string, n)
	for i := range items {
		if o, ok := override[i]; ok {
			items[i] = o
		} else {
			items[i] = fmt.Sprintf(`{"src":"https://example.com/%d.png"}`, i)
		}
	}
	return json.RawMessage("[" + strings.Join(items, ",") + "]")
}

// Pydantic validates list items until it has counted one past the limit,
// so the 101st item is still checked and the 102nd never is.
func TestIconListLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   json.RawMessage
		want string
	}{
		{"exactly 100", icons(100, nil), ""},
		{"101", icons(101, nil), "Invalid request: icons: List should have at most 100 items after validation, not 101"},
		{"101st item still validated", icons(101, map[int]string{100: `{"src":"http://example.com/x.png"}`}),
			"Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'."},
		{"102nd item never validated", icons(102, map[int]string{101: `{"src":"http://example.com/x.png"}`}),
			"Invalid request: icons: List should have at most 100 items after validation, not 102"},
		{"item issues replaced by the length issue", icons(101, map[int]string{3: `{}`}),
			"Invalid request: icons: List should have at most 100 items after validation, not 101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CanonicalIcons(context.Background(), tc.in, "tools.3.icons", testPolicy())
			want := strings.ReplaceAll(tc.want, "request: icons", "request: tools.3.icons")
			if got := errText(t, err); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestIconLookupsAreShared(t *testing.T) {
	r := newFakeResolver()
	in := `[{"src":"https://a.example.com/1.png"},{"src":"https://a.example.com/2.png"},{"src":"https://b.example.com/3.png"}]`
	if _, err := CanonicalIcons(context.Background(), json.RawMessage(in), "icons", &IconPolicy{Resolver: r}); err != nil {
		t.Fatal(err)
	}
	if calls := r.lookedUp(); len(calls) != 2 {
		t.Fatalf("lookups %v, want one per distinct host", calls)
	}
}

func TestParseAndEncodeIcons(t *testing.T) {
	ctx := context.Background()
	nullIcons, err := ParseIcons(ctx, json.RawMessage(`null`), "icons", testPolicy())
	if err != nil || nullIcons != nil {
		t.Fatalf("null: %v, %v", nullIcons, err)
	}
	empty, err := ParseIcons(ctx, json.RawMessage(`[]`), "icons", testPolicy())
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("[]: %#v, %v", empty, err)
	}
	in := `[{"purpose":"maskable","src":"https://example.com/a.svg","sizes":["any"],"mimeType":"IMAGE/SVG+XML","theme":"dark"}]`
	got, err := ParseIcons(ctx, json.RawMessage(in), "icons", testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	ic := got[0]
	if ic.Src != "https://example.com/a.svg" || *ic.MimeType != "image/svg+xml" || *ic.Theme != "dark" ||
		len(ic.Extra) != 1 || ic.Extra[0].Key != "purpose" || string(ic.Extra[0].Value) != `"maskable"` {
		t.Fatalf("parsed %+v", ic)
	}
	enc, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"purpose":"maskable","src":"https://example.com/a.svg","sizes":["any"],"mimeType":"image/svg+xml","theme":"dark"}]`
	if string(enc) != want {
		t.Fatalf("marshal %s, want %s", enc, want)
	}
	var back []Icon
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); string(again) != want {
		t.Fatalf("round trip %s, want %s", again, want)
	}
	if _, err := DecodeIcons([]byte(`{"src":"x"}`)); err == nil {
		t.Fatal("DecodeIcons accepted an object")
	}
}
