package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files of connect")

// TestConnectGolden renders every connect client for server.json documents
// of each kind (the upstream registry's examples) and for approved
// endpoints; testdata/connect/*.golden hold the expected text.
func TestConnectGolden(t *testing.T) {
	endpoint := func(id, url, transport string) []wire.Endpoint {
		return []wire.Endpoint{{ID: id, URL: url, TransportType: transport}}
	}
	for _, tc := range []struct {
		name      string
		doc       string
		endpoints []wire.Endpoint
	}{
		{"npm", "01-basic-npm", nil},
		{"nuget", "03-constant-arguments-nuget", nil},
		{"remote", "05-remote-server", nil},
		{"pypi", "06-python-pypi", nil},
		{"oci", "08-docker-oci-complex-arguments", nil},
		{"hybrid", "09-remote-and-package-hybrid", nil},
		{"templated-remote", "templated-remote", nil},
		{"endpoint-http", "09-remote-and-package-hybrid",
			endpoint("ae-0123", "https://mcp.anonymous.modelcontextprotocol.io/http", "streamable-http")},
		{"endpoint-sse", "01-basic-npm", endpoint("ae-4567", "https://gateway.internal/brave/sse", "sse")},
		{"endpoint-preferred", "05-remote-server", []wire.Endpoint{
			{ID: "ae-1", URL: "https://gw/sse", TransportType: "sse"},
			{ID: "ae-2", URL: "https://gw/mcp", TransportType: "streamable-http"},
		}},
	} {
		doc, err := os.ReadFile(filepath.Join("testdata", "serverjson", tc.doc+".json"))
		if err != nil {
			t.Fatal(err)
		}
		name, err := serverJSONName(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, client := range connectClients {
			t.Run(tc.name+"/"+client, func(t *testing.T) {
				plan := &connectPlan{Server: name, Version: "1.0.0", Key: configKey(name)}
				if err := choosePlan(plan, doc, tc.endpoints); err != nil {
					t.Fatal(err)
				}
				s, err := renderSnippet(client, plan)
				if err != nil {
					t.Fatal(err)
				}
				got := s.Text + "\n"
				if len(s.Notes) > 0 {
					got += "---\n" + strings.Join(s.Notes, "\n") + "\n"
				}
				golden(t, filepath.Join("testdata", "connect", tc.name+"."+client+".golden"), got)
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestConnectGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestConnectWithoutAnyWayIn(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("testdata", "serverjson", "10-mcpb-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	err = choosePlan(&connectPlan{Server: "io.modelcontextprotocol/text-editor", Version: "1.0.2"}, doc, nil)
	if !errors.Is(err, errNoRunnablePackage) || mcpExitCode(err) != exitNotFound {
		t.Fatalf("got %v (exit %d)", err, mcpExitCode(err))
	}
}

func TestRenderRejectsUnknownClient(t *testing.T) {
	_, err := renderSnippet("emacs", &connectPlan{Remote: &remotePlan{}})
	if mcpExitCode(err) != exitInvalid {
		t.Fatalf("got %v", err)
	}
}

func TestConfigKeyAndShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"io.github.acme/search":        "search",
		"com/server_name.v2":           "server_name.v2",
		"io.github.acme/weird name!!x": "weird-name-x",
	} {
		if got := configKey(in); got != want {
			t.Errorf("configKey(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"npx":                   "npx",
		"@scope/pkg@1.0.0":      "@scope/pkg@1.0.0",
		"<KEY>":                 "'<KEY>'",
		"X-API-Key: <X>":        "'X-API-Key: <X>'",
		"it's":                  `'it'\''s'`,
		"https://a.b/c?d=e&f=g": "'https://a.b/c?d=e&f=g'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
