package wire_test

import (
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func TestParseBodyErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{``, "Invalid request: Field required"},
		{`{"a": `, "Invalid request: 6: JSON decode error"},
		{`{"name": "x"} x`, "JSON decode error"},
		{`[1]`, "Invalid request: Input should be a valid dictionary or object to extract fields from"},
		{`{"a": {"b": 1, "b": 2}}`, "Invalid request: a.b: Duplicate key in JSON object"},
		{`{"a": [{"c": 1}, {"c": 2, "c": 3}]}`, "Invalid request: a.1.c: Duplicate key"},
		{"{\"a\": \"x\\u0000y\"}", "Invalid request: a: NUL characters"},
		{"{\"a\": \"\xff\"}", "not valid UTF-8"},
		{`{"a": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, "JSON nesting deeper than 256 levels"},
	}
	for _, c := range cases {
		_, err := wire.ParseBody([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: %v, want %q", c.body, err, c.want)
		}
	}
}

func TestBodyFields(t *testing.T) {
	b, err := wire.ParseBody([]byte(`{"name": 5, "d": null, "icons": "x", "sj": [], "f1": "Yes", "f2": 0, "f3": "maybe", "st": null}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = b.String("name")
	if d := b.NullableString("d"); !d.Set || d.Value != nil {
		t.Errorf("null field: %+v", d)
	}
	if d := b.NullableString("absent"); d.Set {
		t.Errorf("absent field set")
	}
	_ = b.NullableList("icons")
	_ = b.Object("sj")
	if !b.Bool("f1") || b.Bool("f2") {
		t.Error("lax booleans misread")
	}
	_ = b.Bool("f3")
	_ = b.OptString("st")
	_ = b.String("missing")
	want := "Invalid request: name: Input should be a valid string; icons: Input should be a valid list; " +
		"sj: Input should be a valid dictionary or object to extract fields from; f3: Input should be a valid boolean; " +
		"st: Input should be a valid string; missing: Field required"
	if err := b.Err(); err == nil || err.Error() != want {
		t.Fatalf("issues:\n got %v\nwant %s", err, want)
	}
}

func TestResponseToolsCached(t *testing.T) {
	stored := []byte(`[{"name":"t1","inputSchema":{"type":"object"}}]`)
	for i := 0; i < 2; i++ { // the second answer comes from the cache
		v := wire.FromVersion(&mcpregistry.VersionView{Version: mcpregistry.Version{Tools: stored, ServerJSON: []byte(`{}`)}})
		want := `[{"name":"t1","title":null,"description":null,"inputSchema":{"type":"object"},"outputSchema":null,"annotations":null,"icons":null,"execution":null}]`
		if string(v.Tools) != want {
			t.Fatalf("round %d: %s", i, v.Tools)
		}
	}
	if v := wire.FromVersion(&mcpregistry.VersionView{Version: mcpregistry.Version{Tools: []byte("null")}}); string(v.Tools) != "[]" {
		t.Fatalf("JSON null tools: %s", v.Tools)
	}
}
