package wire_test

import (
	"errors"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// FuzzParseBody: any bytes give either a body or a client error
// (INVALID_PARAMETER_VALUE), never a panic or an internal error.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"name": "a/b"}`, `{"a": {"b": [1, 2, {"c": null}]}}`, `[`, `{"a":1,"a":2}`,
		"{\"a\": \"\\u0000\"}", "\xff", `{"a": 1} {}`, `"x"`, `{"server_json": {"name": "x", "version": "1.0.0"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := wire.ParseBody(data)
		if err != nil {
			if !errors.Is(err, mlflowerr.ErrInvalid) {
				t.Fatalf("%q: error of the wrong kind: %v", data, err)
			}
			return
		}
		_ = b.String("name")
		_ = b.NullableString("description")
		_ = b.NullableList("icons")
		_ = b.Object("server_json")
		_ = b.Bool("flag")
		if err := b.Err(); err != nil && !errors.Is(err, mlflowerr.ErrInvalid) {
			t.Fatalf("%q: field error of the wrong kind: %v", data, err)
		}
	})
}
