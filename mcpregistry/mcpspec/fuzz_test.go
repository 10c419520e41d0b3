package mcpspec

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// FuzzValidateServerJSON checks that no document makes validation panic or
// fail with anything but a client error, and that an accepted document's
// stored form is accepted again and stores as itself.
func FuzzValidateServerJSON(f *testing.F) {
	for _, raw := range readExamples(f) {
		f.Add(raw, false)
		f.Add(raw, true)
	}
	for _, s := range []string{
		`{"name":"n","version":"v","meta":{"x":1},"_meta":null}`,
		`{"name":"n","version":"v","packages":[{"registryType":"npm","identifier":"i","transport":null,"environmentVariables":[{"name":"a","isRequired":"Yes","isSecret":1.0}]}]}`,
		`{"name":"n","version":"v","icons":[{"src":"https://example.com/a.png","mimeType":" ΙMAGE/ΣVG ","x":null,"sizes":null}]}`,
		`{"name":"n","version":"v","icons":[{"src":"https://127.1/a.png"}]}`,
		`{"name":"n","version":"v","remotes":[{"type":null,"url":"{base}/mcp"}],"x":[1e400,-0,"\u0000"]}`,
		`{"$schema":"https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json","name":"a/b","version":"1","description":"d"}`,
		`{"name":"n","name":"m"}`,
		"{\"name\":\"\xff\"}",
	} {
		f.Add([]byte(s), false)
	}
	resolver := newFakeResolver()
	f.Fuzz(func(t *testing.T, doc []byte, strict bool) {
		p := &IconPolicy{Resolver: resolver}
		opts := ServerJSONOptions{Strict: strict}
		sj, err := ValidateServerJSON(context.Background(), doc, p, opts)
		if err != nil {
			if !errors.Is(err, mlflowerr.ErrInvalid) {
				t.Fatalf("not a client error: %v", err)
			}
			return
		}
		again, err := ValidateServerJSON(context.Background(), sj.Canonical, p, opts)
		if err != nil {
			t.Fatalf("stored form %s rejected: %v", sj.Canonical, err)
		}
		if !bytes.Equal(again.Canonical, sj.Canonical) || again.Name != sj.Name || again.Version != sj.Version || again.Schema != sj.Schema {
			t.Fatalf("stored form not stable:\n%s\n%s", sj.Canonical, again.Canonical)
		}
	})
}

// BenchmarkValidateServerJSON measures the registration hot path on a
// typical document (example 04: two packages, arguments, variables, _meta)
// checked against the schema it declares.
func BenchmarkValidateServerJSON(b *testing.B) {
	raw := readExamples(b)["04-filesystem-multiple-packages.json"]
	p := &IconPolicy{Resolver: newFakeResolver()}
	if _, err := ValidateServerJSON(context.Background(), raw, p, ServerJSONOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValidateServerJSON(context.Background(), raw, p, ServerJSONOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateServerJSONWithIcons adds the icon checks (DNS answered
// by the in-memory resolver, so this measures our own work only).
func BenchmarkValidateServerJSONWithIcons(b *testing.B) {
	raw := []byte(`{"name":"io.github.a/b","version":"1.0.0","description":"d","icons":[` +
		`{"src":"https://cdn.example.com/a.png","mimeType":"image/png","sizes":["48x48"]},` +
		`{"src":"https://cdn.example.com/b.svg","mimeType":"image/svg+xml","sizes":["any"],"theme":"dark"}]}`)
	p := &IconPolicy{Resolver: newFakeResolver()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValidateServerJSON(context.Background(), raw, p, ServerJSONOptions{Strict: true}); err != nil {
			b.Fatal(err)
		}
	}
}
