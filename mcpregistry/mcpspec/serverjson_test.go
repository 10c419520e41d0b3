package mcpspec

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

const (
	schema1017 = "https://static.modelcontextprotocol.io/schemas/2025-10-17/server.schema.json"
	schema1211 = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
	schema0709 = "https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json"
)

// TestPydanticVectors replays requests whose answers were recorded from
// MLflow's request models under Pydantic (testdata/pydantic-vectors.json).
func TestPydanticVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/pydantic-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Name   string
			Body   map[string]json.RawMessage
			Result struct {
				Error      string
				ServerJSON json.RawMessage `json:"server_json"`
				Tools      json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 30 {
		t.Fatalf("only %d cases loaded", len(doc.Cases))
	}
	for _, tc := range doc.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			sj, tools, err := ValidateVersion(context.Background(), tc.Body["server_json"], tc.Body["tools"], testPolicy(), ServerJSONOptions{})
			if got := errText(t, err); got != tc.Result.Error {
				t.Fatalf("error\n got  %q\n want %q", got, tc.Result.Error)
			}
			if err != nil {
				return
			}
			if g, w := canonicalJSON(t, sj.Canonical), canonicalJSON(t, tc.Result.ServerJSON); g != w {
				t.Errorf("server_json\n got  %s\n want %s", g, w)
			}
			if g, w := canonicalJSON(t, tools), canonicalJSON(t, tc.Result.Tools); g != w {
				t.Errorf("tools\n got  %s\n want %s", g, w)
			}
		})
	}
}

func readExamples(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/examples/*.json")
	if err != nil || len(files) != 12 {
		t.Fatalf("want the 12 upstream examples, found %d (%v)", len(files), err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		if out[filepath.Base(f)], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// withoutSchema removes the top-level $schema member.
func withoutSchema(t *testing.T, raw []byte) []byte {
	t.Helper()
	v, err := parseDocument(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	v.members = slices.DeleteFunc(v.members, func(m member) bool { return m.key == "$schema" })
	return v.raw()
}

func TestUpstreamExamples(t *testing.T) {
	ctx := context.Background()
	for name, raw := range readExamples(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				mode       string
				doc        []byte
				strict     bool
				wantSchema string
			}{
				{"declared, default", raw, false, schema1017},
				{"declared, strict", raw, true, schema1017},
				{"undeclared, default", withoutSchema(t, raw), false, ""},
				{"undeclared, strict", withoutSchema(t, raw), true, schema1211},
			} {
				sj, err := ValidateServerJSON(ctx, tc.doc, testPolicy(), ServerJSONOptions{Strict: tc.strict})
				if err != nil {
					t.Fatalf("%s: %v", tc.mode, err)
				}
				if sj.Schema != tc.wantSchema {
					t.Errorf("%s: schema %q, want %q", tc.mode, sj.Schema, tc.wantSchema)
				}
				// The stored form validates to itself.
				again, err := ValidateServerJSON(ctx, sj.Canonical, testPolicy(), ServerJSONOptions{Strict: tc.strict})
				if err != nil || string(again.Canonical) != string(sj.Canonical) {
					t.Fatalf("%s: stored form is not stable: %v\n%s\n%s", tc.mode, err, sj.Canonical, again.Canonical)
				}
				var in, stored any
				_ = json.Unmarshal(tc.doc, &in)
				_ = json.Unmarshal(sj.Canonical, &stored)
				if !jsonEqual(in, stored) {
					t.Errorf("%s: stored form differs from the document beyond key order", tc.mode)
				}
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a) // encoding/json sorts map keys
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestServerJSONResult(t *testing.T) {
	raw := readExamples(t)["09-remote-and-package-hybrid.json"]
	sj, err := ValidateServerJSON(context.Background(), raw, testPolicy(), ServerJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Remote{
		{Type: "streamable-http", URL: "https://mcp.anonymous.modelcontextprotocol.io/http"},
		{Type: "sse", URL: "https://mcp.anonymous.modelcontextprotocol.io/sse"},
	}
	if sj.Name != "io.modelcontextprotocol.anonymous/hybrid-mcp" || sj.Version != "1.5.0" || !slices.Equal(sj.Remotes, want) {
		t.Fatalf("got %q %q %+v", sj.Name, sj.Version, sj.Remotes)
	}
	// MLflow's key order: declared keys in declaration order, then $schema.
	var keys []string
	v, _ := parseDocument(sj.Canonical, "")
	for _, m := range v.members {
		keys = append(keys, m.key)
	}
	wantKeys := []string{"name", "version", "title", "description", "packages", "remotes", "repository", "_meta", "$schema"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys %v, want %v", keys, wantKeys)
	}
	pkg := v.members[4].val.items[0]
	var pkgKeys []string
	for _, m := range pkg.members {
		pkgKeys = append(pkgKeys, m.key)
	}
	if want := []string{"registryType", "identifier", "transport", "registryBaseUrl", "version", "runtimeHint", "packageArguments"}; !slices.Equal(pkgKeys, want) {
		t.Fatalf("package keys %v, want %v", pkgKeys, want)
	}
}

func TestServerJSONKeepsLiterals(t *testing.T) {
	in := `{"name":"n","version":"v","x":[1.5,-0,1E2,12345678901234567890,1e400],"ü":"é\n\u0000\ud83d\ude00","y":"\u2028"}`
	sj, err := ValidateServerJSON(context.Background(), json.RawMessage(in), testPolicy(), ServerJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"n","version":"v","x":[1.5,-0,1E2,12345678901234567890,1e400],"ü":"é\n\u0000😀","y":"` + "\u2028" + `"}`
	if string(sj.Canonical) != want {
		t.Fatalf("got  %s\nwant %s", sj.Canonical, want)
	}
}

func TestServerJSONRejections(t *testing.T) {
	long := strings.Repeat("x", 101)
	base := `"name":"io.github.a/b","version":"1.0.0","description":"d"`
	lenient := testPolicy()
	lenient.LenientSpec = true
	for _, tc := range []struct {
		name    string
		doc     string
		strict  bool
		policy  *IconPolicy
		title   string // "" = MLflow's "Invalid request"; otherwise the schema applied
		want    string
		problem int  // issues listed
		partial bool // want is only part of the message
	}{
		// Documents this package refuses to store.
		{name: "absent", doc: ``, want: "Invalid request: server_json: Field required"},
		{name: "duplicate key", doc: `{"name":"a","version":"1","name":"b"}`, want: "Invalid request: server_json: Duplicate key 'name'"},
		{name: "nested duplicate key", doc: `{"name":"a","version":"1","packages":[{"transport":{"type":"stdio","type":"sse"}}]}`,
			want: "Invalid request: server_json.packages.0.transport: Duplicate key 'type'"},
		{name: "invalid utf-8", doc: "{\"name\":\"a\",\"version\":\"1\",\"title\":\"\xff\"}", want: "Invalid request: server_json.title: Invalid UTF-8 in string"},
		{name: "invalid utf-8 in key", doc: "{\"name\":\"a\",\"version\":\"1\",\"_meta\":{\"k\xc3\":1}}", want: "Invalid request: server_json._meta: Invalid UTF-8 in string"},
		{name: "unpaired surrogate", doc: `{"name":"a","version":"1","title":"\ud800x"}`, want: "Invalid request: server_json.title: Invalid \\u escape in string: unpaired surrogate"},
		{name: "reversed surrogates", doc: `{"name":"a","version":"1","title":"\udc00\ud800"}`, want: "Invalid request: server_json.title: Invalid \\u escape in string: unpaired surrogate"},
		{name: "syntax", doc: `{"name":"a",}`, want: "Invalid request: server_json: Invalid JSON at byte 12: unexpected character '}'"},
		{name: "trailing data", doc: `{"name":"a","version":"1"} x`, want: "Invalid request: server_json: Invalid JSON at byte 27: unexpected data after the top-level value"},
		{name: "too deep", doc: `{"name":"a","version":"1","_meta":{"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}}`,
			partial: true, want: ": Invalid JSON at byte 549: nesting deeper than 512 levels"},

		// $schema.
		{name: "unknown $schema", doc: `{"$schema":"https://example.com/s.json",` + base + `}`,
			want: "Invalid request: server_json.$schema: Unsupported schema 'https://example.com/s.json'. Supported schemas: " +
				"'https://static.modelcontextprotocol.io/schemas/2025-07-09/server.schema.json', 'https://static.modelcontextprotocol.io/schemas/2025-09-16/server.schema.json', " +
				"'https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json', 'https://static.modelcontextprotocol.io/schemas/2025-10-11/server.schema.json', " +
				"'https://static.modelcontextprotocol.io/schemas/2025-10-17/server.schema.json', 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json'"},
		{name: "non-string $schema", doc: `{"$schema":null,` + base + `}`, partial: true, want: "Invalid request: server_json.$schema: Unsupported schema null. Supported schemas: '"},

		// The declared schema, in any mode.
		{name: "declared schema is applied", doc: `{"$schema":"` + schema1211 + `",` + base + `,"title":""}`,
			title: schema1211, want: "server_json/title: minLength: got 0, want 1"},
		{name: "older schema keeps its own rules", doc: `{"$schema":"` + schema0709 + `",` + base + `,"status":"bogus"}`,
			title: schema0709, want: "server_json/status: value must be one of 'active', 'deprecated', 'deleted'"},
		{name: "later rules do not apply to an older schema", doc: `{"$schema":"` + schema0709 + `",` + base + `,"title":""}`},
		{name: "no schema, not strict", doc: `{"name":"a","version":"1"}`},

		// Strict mode: the newest schema, every kind of problem.
		{name: "description too long", strict: true, doc: `{"name":"io.github.a/b","version":"1.0.0","description":"` + long + `"}`,
			title: schema1211, want: "server_json/description: maxLength: got 101, want 100"},
		{name: "missing description", strict: true, doc: `{"name":"io.github.a/b","version":"1.0.0"}`,
			title: schema1211, want: "server_json: missing property 'description'"},
		{name: "two slashes in the name", strict: true, doc: `{"name":"io.github.a/b/c","version":"1.0.0","description":"d"}`,
			title: schema1211, want: "server_json/name: 'io.github.a/b/c' does not match pattern '^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$'"},
		{name: "package version latest", strict: true, doc: `{` + base + `,"packages":[{"registryType":"npm","identifier":"x","version":"latest","transport":{"type":"stdio"}}]}`,
			title: schema1211, want: "server_json/packages/0/version: 'not' failed"},
		{name: "stdio remote", strict: true, doc: `{` + base + `,"remotes":[{"type":"stdio"}]}`, title: schema1211, problem: 3,
			want: "server_json/remotes/0: missing property 'url'; server_json/remotes/0/type: value must be 'sse'; server_json/remotes/0/type: value must be 'streamable-http'"},
		{name: "ftp remote", strict: true, doc: `{` + base + `,"remotes":[{"type":"sse","url":"ftp://x"}]}`, title: schema1211, problem: 2,
			want: "server_json/remotes/0/type: value must be 'streamable-http'; server_json/remotes/0/url: 'ftp://x' does not match pattern '^https?://[^\\\\s]+$'"},
		{name: "websiteUrl not a URI", strict: true, doc: `{` + base + `,"websiteUrl":"not a uri"}`,
			title: schema1211, want: "server_json/websiteUrl: 'not a uri' is not valid uri: relative url"},
		{name: "bad sha256", strict: true, doc: `{` + base + `,"packages":[{"registryType":"mcpb","identifier":"x","fileSha256":"abc","transport":{"type":"stdio"}}]}`,
			title: schema1211, want: "server_json/packages/0/fileSha256: 'abc' does not match pattern '^[a-f0-9]{64}$'"},
		{name: "icon enums of the schema", strict: true, policy: lenient,
			doc:   `{` + base + `,"icons":[{"src":"https://example.com/a.png","sizes":["48"],"theme":"blue","mimeType":"image/gif"}]}`,
			title: schema1211, problem: 3,
			want: "server_json/icons/0/sizes/0: '48' does not match pattern '^(\\\\d+x\\\\d+|any)$'; " +
				"server_json/icons/0/mimeType: value must be one of 'image/png', 'image/jpeg', 'image/jpg', 'image/svg+xml', 'image/webp'; " +
				"server_json/icons/0/theme: value must be one of 'light', 'dark'"},
		{name: "many problems are capped", strict: true, doc: `{"name":"x","version":"1.0.0","description":"","title":"","websiteUrl":"::","remotes":[{"type":"sse","url":"nope"}]}`,
			title: schema1211 + " (5 of 7 problems shown)", problem: 5,
			want: "server_json/name: 'x' does not match pattern '^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$'; server_json/name: minLength: got 1, want 3; " +
				"server_json/title: minLength: got 0, want 1; server_json/description: minLength: got 0, want 1; server_json/remotes/0/type: value must be 'streamable-http'"},

		// MLflow's answer comes before the schema's and the stricter rules.
		{name: "MLflow issues before the schema", strict: true, doc: `{"description":"` + long + `","version":1}`,
			want: "Invalid request: server_json.name: Field required; server_json.version: Input should be a valid string"},
		{name: "MLflow issues before the icon spec rule", doc: `{"name":"a","icons":[{"src":"https://example.com/a.png","theme":"blue"}]}`,
			want: "Invalid request: server_json.version: Field required"},
		{name: "icon spec rule before the schema", strict: true, doc: `{"name":"a","version":"1","icons":[{"src":"https://example.com/a.png","theme":"blue"}]}`,
			want: "Invalid icon theme 'blue' at server_json.icons.0.theme. Allowed values: 'light', 'dark'."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy := tc.policy
			if policy == nil {
				policy = testPolicy()
			}
			_, err := ValidateServerJSON(context.Background(), json.RawMessage(tc.doc), policy, ServerJSONOptions{Strict: tc.strict})
			got := errText(t, err)
			if tc.title == "" {
				if got != tc.want && !(tc.partial && strings.Contains(got, tc.want)) {
					t.Fatalf("got  %q\nwant %q", got, tc.want)
				}
				return
			}
			var re *mlflowerr.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a schema RequestError", err)
			}
			wantTitle := "server_json does not match schema " + tc.title
			if re.Title != wantTitle || got != wantTitle+": "+tc.want {
				t.Fatalf("got  %q\nwant %q", got, wantTitle+": "+tc.want)
			}
			if n := max(tc.problem, 1); len(re.Issues) != n {
				t.Fatalf("%d issues, want %d", len(re.Issues), n)
			}
			if mlflowerr.JoinRequest(err) != err {
				t.Fatal("schema errors must not merge into MLflow's issue list")
			}
		})
	}
}

func TestServerJSONLocation(t *testing.T) {
	_, err := ValidateServerJSON(context.Background(), json.RawMessage(`{"name":"a"}`), testPolicy(), ServerJSONOptions{Loc: "body"})
	if got := errText(t, err); got != "Invalid request: body.version: Field required" {
		t.Fatalf("got %q", got)
	}
}

func TestSchemasCompile(t *testing.T) {
	urls, err := SupportedSchemas()
	if err != nil || len(urls) != 6 {
		t.Fatalf("SupportedSchemas() = %v, %v", urls, err)
	}
	latest, err := LatestSchema()
	if err != nil || latest != schema1211 {
		t.Fatalf("LatestSchema() = %q, %v", latest, err)
	}
	// server.schema.json is the byte copy of the newest dated file.
	a, _ := schemaFiles.ReadFile("schemas/server.schema.json")
	b, _ := schemaFiles.ReadFile("schemas/server.schema.2025-12-11.json")
	if string(a) != string(b) {
		t.Fatal("server.schema.json differs from server.schema.2025-12-11.json")
	}
}

func TestValidateVersionPrecedence(t *testing.T) {
	for _, tc := range []struct{ name, serverJSON, tools, want string }{
		{"MLflow's issues in tools beat our icon rule in server_json",
			`{"name":"a","version":"1","icons":[{"src":"https://example.com/a.png","theme":"blue"}]}`, `[{}]`,
			"Invalid request: tools.0.name: Field required"},
		{"our icon rule once MLflow accepts", `{"name":"a","version":"1"}`, `[{"name":"t","icons":[{"src":"https://example.com/a.png","sizes":["big"]}]}]`,
			"Invalid icon size 'big' at tools.0.icons.0.sizes.0. Allowed values: 'any' or '<width>x<height>' such as '48x48'."},
		{"unreadable server_json first", `{"name":"a","name":"b"}`, `[{"name":"t","icons":[{"src":"http://example.com/a.png"}]}]`,
			"Invalid request: server_json: Duplicate key 'name'"},
		{"unreadable tools", `{"name":"a","version":"1"}`, `[{"name":"t"`, "Invalid request: tools.0: Invalid JSON at byte 12: unexpected end of input"},
		{"absent server_json and tools issues", ``, `[{}]`, "Invalid request: server_json: Field required; tools.0.name: Field required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ValidateVersion(context.Background(), json.RawMessage(tc.serverJSON), json.RawMessage(tc.tools), testPolicy(), ServerJSONOptions{})
			if got := errText(t, err); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
