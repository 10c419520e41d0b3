package officialapi_test

import (
	"bytes"
	"encoding/json"
	"testing"

	apiv0 "github.com/modelcontextprotocol/registry/pkg/api/v0"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
)

// Every read response is decoded with the official module's types, and the
// parts those types describe must re-encode to exactly what we sent: a field
// we add, rename or format differently fails here.

type rawItem struct {
	Server json.RawMessage            `json:"server"`
	Meta   map[string]json.RawMessage `json:"_meta"`
}

type rawList struct {
	Servers  []rawItem       `json:"servers"`
	Metadata json.RawMessage `json:"metadata"`
}

func sameJSON(t testing.TB, what string, got, want []byte) {
	t.Helper()
	var g, w bytes.Buffer
	if err := json.Compact(&g, got); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Compact(&w, want); err != nil {
		t.Fatalf("%s: %v in %s", what, err, want)
	}
	if g.String() != w.String() {
		t.Fatalf("%s drifts from the official types:\n sent %s\n upstream %s", what, g.String(), w.String())
	}
}

func checkItem(t testing.TB, raw rawItem, up apiv0.ServerResponse) {
	t.Helper()
	if up.Meta.Official == nil {
		t.Fatalf("no official metadata in %s", raw.Meta)
	}
	sameJSON(t, "official _meta", raw.Meta[officialapi.OfficialMetaKey], mustJSON(t, up.Meta.Official))
	var doc struct{ Name, Version string }
	if err := json.Unmarshal(raw.Server, &doc); err != nil {
		t.Fatal(err)
	}
	if up.Server.Name != doc.Name || up.Server.Version != doc.Version || doc.Name == "" {
		t.Fatalf("upstream reads server %s %s from %s", up.Server.Name, up.Server.Version, raw.Server)
	}
	for k := range raw.Meta {
		if k != officialapi.OfficialMetaKey && k != officialapi.MetaKey {
			t.Fatalf("unexpected _meta key %q", k)
		}
	}
}

// decodeList decodes a list body both ways.
func decodeList(t testing.TB, body []byte) (apiv0.ServerListResponse, officialapi.ServerListResponse) {
	t.Helper()
	var up apiv0.ServerListResponse
	var ours officialapi.ServerListResponse
	var raw rawList
	for _, into := range []any{&up, &ours, &raw} {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("decoding %T: %v\n%s", into, err, body)
		}
	}
	if len(up.Servers) != len(raw.Servers) || up.Metadata.Count != len(up.Servers) {
		t.Fatalf("count %d, %d items: %s", up.Metadata.Count, len(up.Servers), body)
	}
	sameJSON(t, "metadata", raw.Metadata, mustJSON(t, up.Metadata))
	for i := range raw.Servers {
		checkItem(t, raw.Servers[i], up.Servers[i])
	}
	return up, ours
}

// decodeItem decodes a single-item body both ways.
func decodeItem(t testing.TB, body []byte) (apiv0.ServerResponse, officialapi.ServerResponse) {
	t.Helper()
	var up apiv0.ServerResponse
	var ours officialapi.ServerResponse
	var raw rawItem
	for _, into := range []any{&up, &ours, &raw} {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("decoding %T: %v\n%s", into, err, body)
		}
	}
	checkItem(t, raw, up)
	return up, ours
}
