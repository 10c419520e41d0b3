package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
)

// cliResult is one run of `mlflow-sidecar mcp-servers ...`.
type cliResult struct {
	stdout, stderr string
	code           int
	err            error
}

// processExitCode is the code the process exits with: the error's own
// ExitCode, else main's mapping (usage errors 2, others 1).
func processExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return exitCode(err)
}

// runCLI runs the real command tree in-process against trackingURI.
func runCLI(t *testing.T, trackingURI, stdin string, args ...string) cliResult {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"mcp-servers", "--tracking-uri", trackingURI}, args...))
	err := root.ExecuteContext(t.Context())
	return cliResult{stdout: out.String(), stderr: errb.String(), code: processExitCode(err), err: err}
}

// clearClientEnv keeps the developer's MLflow settings out of the test.
func clearClientEnv(t *testing.T) {
	for _, k := range []string{"MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD",
		"MLFLOW_TRACKING_TOKEN", "MLFLOW_WORKSPACE", "MLFLOW_TRACKING_INSECURE_TLS",
		"MLFLOW_TRACKING_SERVER_CERT_PATH", "MLFLOW_TRACKING_CLIENT_CERT_PATH", "MLFLOW_HTTP_REQUEST_TIMEOUT"} {
		t.Setenv(k, "")
	}
	t.Setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
}

// basicAuth accepts one user with HTTP Basic credentials.
type basicAuth struct{ user, password string }

func (a basicAuth) Authenticate(_ http.ResponseWriter, r *http.Request) (*string, bool, error) {
	u, p, ok := r.BasicAuth()
	if !ok {
		return nil, false, mlflowerr.Unauthenticated("credentials required")
	}
	if u != a.user || p != a.password {
		return nil, false, mlflowerr.PermissionDenied("wrong credentials")
	}
	scope.MarkAuthenticated(r.Context())
	return &u, false, nil
}

// startSidecar serves the lead's real handler stack (serve's routes) on a
// fresh PostgreSQL schema with the sidecar's migrations applied.
func startSidecar(t *testing.T) string { return startSidecarWith(t, nil) }

func startSidecarWith(t *testing.T, auth sidecar.Authenticator) string {
	t.Helper()
	db := dbtest.Migrated(t, dbtest.Postgres(t))
	mlflow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error_code":"ENDPOINT_NOT_FOUND","message":"fake MLflow"}`)
	}))
	t.Cleanup(mlflow.Close)
	cfg := &serveConfig{upstream: mlflow.URL, maxRequestBytes: 16 << 20, serverJSONValidation: "default", otlpAutolink: "on"}
	h, closeUpstream, err := cfg.routes(t.Context(), db, auth, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeUpstream)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// toolServer is a live MCP server whose tool list the test can grow.
type toolServer struct {
	srv *mcp.Server
	url string
}

func startToolServer(t *testing.T, tools ...string) *toolServer {
	t.Helper()
	ts := &toolServer{srv: mcp.NewServer(&mcp.Implementation{Name: "e2e", Version: "1.0.0"}, &mcp.ServerOptions{PageSize: 2})}
	for _, name := range tools {
		ts.add(name)
	}
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ts.srv }, nil))
	t.Cleanup(hs.Close)
	ts.url = hs.URL + "/mcp"
	return ts
}

func (ts *toolServer) add(name string) {
	ts.srv.AddTool(&mcp.Tool{Name: name, Description: "Does " + name, InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
}

func serverJSON(name, version, remoteURL string) string {
	doc := map[string]any{"name": name, "version": version, "description": "Search the web"}
	if remoteURL != "" {
		doc["remotes"] = []map[string]any{{"type": "streamable-http", "url": remoteURL}}
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func decode[T any](t *testing.T, r cliResult) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("stdout is not the expected JSON (%v):\n%s", err, r.stdout)
	}
	return v
}

// step is one command of the lifecycle script.
type step struct {
	name   string
	stdin  string
	args   []string
	code   int
	want   []string // substrings of stdout
	stderr []string // substrings of stderr
	check  func(t *testing.T, r cliResult)
}

func runSteps(t *testing.T, uri string, steps []step) {
	t.Helper()
	for _, s := range steps {
		ok := t.Run(s.name, func(t *testing.T) {
			r := runCLI(t, uri, s.stdin, s.args...)
			if r.code != s.code {
				t.Fatalf("exit %d, want %d (err %v)\nstdout:\n%s\nstderr:\n%s", r.code, s.code, r.err, r.stdout, r.stderr)
			}
			for _, w := range s.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range s.stderr {
				if !strings.Contains(r.stderr+errText(r.err), w) {
					t.Errorf("stderr/error lacks %q:\n%s %v", w, r.stderr, r.err)
				}
			}
			if s.check != nil {
				s.check(t, r)
			}
		})
		if !ok {
			t.FailNow() // later steps depend on earlier ones
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

const e2eName = "io.github.acme/search"

func TestCLIRegistryLifecycle(t *testing.T) {
	clearClientEnv(t)
	uri := startSidecar(t)
	tools := startToolServer(t, "search", "fetch", "summarise")
	v1 := writeFile(t, "v1.json", serverJSON(e2eName, "1.0.0", tools.url))
	toolsFile := writeFile(t, "tools.json", `{"tools":[{"name":"only","description":"From a file"}]}`)
	rc := serverJSON(e2eName, "2.0.0-rc.1", "")
	published := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, rc) }))
	t.Cleanup(published.Close)

	runSteps(t, uri, []step{
		{name: "register with discovery and endpoints", args: []string{"register", "--server-json-file", v1, "--status", "active",
			"--discover-tools", "--create-endpoints-from-remotes", "--display-name", "Search v1"},
			want: []string{"io.github.acme/search", "1.0.0", "active", "Tools:", "3", "summarise"}},
		{name: "register twice is invalid input", args: []string{"register", "--server-json-file", v1}, code: exitInvalid,
			stderr: []string{"already exists"}},
		{name: "register from stdin with a tools file", stdin: serverJSON(e2eName, "1.1.0", tools.url),
			args: []string{"register", "--tools-file", toolsFile, "-o", "json"}, check: func(t *testing.T, r cliResult) {
				v := decode[wire.Version](t, r)
				if v.Version != "1.1.0" || v.Status != "draft" || !strings.Contains(string(v.Tools), `"only"`) {
					t.Errorf("got %+v", v)
				}
			}},
		{name: "register from a URL records it as the source", args: []string{"register", "--server-json-url", published.URL, "-o", "json"},
			check: func(t *testing.T, r cliResult) {
				v := decode[wire.Version](t, r)
				if v.Source == nil || *v.Source != published.URL {
					t.Errorf("source %v", v.Source)
				}
			}},
		{name: "register a second server", stdin: serverJSON("io.github.acme/other", "0.1.0", ""), args: []string{"register"}},
		{name: "register unreadable input", stdin: "{not json", args: []string{"register"}, code: exitInvalid},
		{name: "register a failing discovery still registers", stdin: serverJSON("io.github.acme/broken", "0.0.1", "http://127.0.0.1:1/mcp"),
			args: []string{"register", "--discover-tools"}, stderr: []string{"Tool discovery failed"}, want: []string{"0.0.1"}},
		{name: "get", args: []string{"get", e2eName}, want: []string{"Latest version:", "1.0.0", "active", "streamable-http", tools.url}},
		{name: "get json", args: []string{"get", e2eName, "-o", "json"}, check: func(t *testing.T, r cliResult) {
			s := decode[wire.Server](t, r)
			if s.LatestVersion == nil || *s.LatestVersion != "1.0.0" || len(s.AccessEndpoints) != 1 {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "get missing", args: []string{"get", "io.github.acme/missing"}, code: exitNotFound, stderr: []string{"not found"}},
		{name: "get invalid name", args: []string{"get-version", "no-slash", "1.0.0"}, code: exitNotFound},
		{name: "search one page", args: []string{"search", "--max-results", "1", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			p := decode[wire.SearchServers](t, r)
			if len(p.Servers) != 1 || p.NextPageToken == nil {
				t.Errorf("got %+v", p)
			}
		}},
		{name: "search all pages", args: []string{"search", "--max-results", "1", "--all", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			p := decode[wire.SearchServers](t, r)
			if len(p.Servers) != 3 || p.NextPageToken != nil {
				t.Errorf("got %d servers, token %v", len(p.Servers), p.NextPageToken)
			}
		}},
		{name: "search table with a hint", args: []string{"search", "--max-results", "2", "--order-by", "name DESC"},
			want: []string{"NAME", "STATUS", "io.github.acme/search", "io.github.acme/other"}, stderr: []string{"--page-token"}},
		{name: "search filter", args: []string{"search", "--filter", "status = 'active'", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			if p := decode[wire.SearchServers](t, r); len(p.Servers) != 1 || p.Servers[0].Name != e2eName {
				t.Errorf("got %+v", p.Servers)
			}
		}},
		{name: "search bad filter", args: []string{"search", "--filter", "nonsense ~ 1"}, code: exitInvalid},
		{name: "update", args: []string{"update", e2eName, "--display-name", "Acme Search", "--description", "Web search"},
			want: []string{"Acme Search", "Web search"}},
		{name: "update clears", args: []string{"update", e2eName, "--clear-description", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			s := decode[wire.Server](t, r)
			// Without its own description the server shows server.json's.
			if s.Description == nil || *s.Description != "Search the web" || s.DisplayName == nil {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "update nothing", args: []string{"update", e2eName}, code: exitInvalid},
		{name: "set-tag", args: []string{"set-tag", e2eName, "team", "search"}, want: []string{"Set tag team"}},
		{name: "tag shows", args: []string{"get", e2eName}, want: []string{"team=search"}},
		{name: "delete-tag", args: []string{"delete-tag", e2eName, "team", "-o", "json"}, want: []string{"{}"}},
		{name: "delete-tag missing", args: []string{"delete-tag", e2eName, "team"}, code: exitNotFound},
		{name: "get-version", args: []string{"get-version", e2eName, "1.0.0", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			v := decode[wire.Version](t, r)
			if len(toolSummaries(v.Tools)) != 3 || v.DisplayName == nil || *v.DisplayName != "Search v1" {
				t.Errorf("got %+v", v)
			}
		}},
		{name: "get-version missing", args: []string{"get-version", e2eName, "9.9.9"}, code: exitNotFound},
		{name: "get-latest-version", args: []string{"get-latest-version", e2eName}, want: []string{"1.0.0"}},
		{name: "set-alias", args: []string{"set-alias", e2eName, "prod", "1.1.0"}, want: []string{"prod", "1.1.0"}},
		{name: "set-alias latest is reserved", args: []string{"set-alias", e2eName, "latest", "1.1.0"}, code: exitInvalid},
		{name: "get-version-by-alias", args: []string{"get-version-by-alias", e2eName, "prod", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			if v := decode[wire.Version](t, r); v.Version != "1.1.0" {
				t.Errorf("got %s", v.Version)
			}
		}},
		{name: "search-versions", args: []string{"search-versions", e2eName, "--order-by", "`version` DESC", "--max-results", "2", "--all", "-o", "json"},
			check: func(t *testing.T, r cliResult) {
				p := decode[wire.SearchVersions](t, r)
				var got []string
				for _, v := range p.Versions {
					got = append(got, v.Version)
				}
				if strings.Join(got, ",") != "2.0.0-rc.1,1.1.0,1.0.0" || p.NextPageToken != nil {
					t.Errorf("got %v", got)
				}
			}},
		{name: "search-versions table", args: []string{"search-versions", e2eName, "--filter", "status = 'draft'"},
			want: []string{"VERSION", "1.1.0", "2.0.0-rc.1", "prod"}},
		{name: "publish", args: []string{"update-version", "publish", e2eName, "1.1.0"}, want: []string{"active"}},
		{name: "publish again is an invalid transition", args: []string{"update-version", "publish", e2eName, "1.1.0"}, code: exitInvalid,
			stderr: []string{"Invalid status transition"}},
		{name: "update-version unknown status", args: []string{"update-version", e2eName, "1.1.0", "--status", "bogus"}, code: exitInvalid},
		{name: "update-version display name", args: []string{"update-version", e2eName, "1.1.0", "--display-name", "One one", "-o", "json"},
			check: func(t *testing.T, r cliResult) {
				if v := decode[wire.Version](t, r); v.DisplayName == nil || *v.DisplayName != "One one" {
					t.Errorf("got %+v", v.DisplayName)
				}
			}},
		{name: "deprecate", args: []string{"update-version", "deprecate", e2eName, "1.0.0"}, want: []string{"deprecated"}},
		{name: "latest follows", args: []string{"get", e2eName}, want: []string{"1.1.0"}},
		{name: "set-version-tag", args: []string{"set-version-tag", e2eName, "1.1.0", "reviewed", "yes"}},
		{name: "version tag shows", args: []string{"get-version", e2eName, "1.1.0"}, want: []string{"reviewed=yes"}},
		{name: "delete-version-tag", args: []string{"delete-version-tag", e2eName, "1.1.0", "reviewed", "--yes"}},
		{name: "endpoints create", args: []string{"endpoints", "create", e2eName, "--url", "https://gw.example.com/search", "--alias", "prod", "-o", "json"},
			check: func(t *testing.T, r cliResult) {
				e := decode[wire.Endpoint](t, r)
				if !strings.HasPrefix(e.ID, "ae-") || e.ServerAlias == nil || e.ResolvedVersion == nil || e.ResolvedVersion.Version != "1.1.0" {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "endpoints create needs a target", args: []string{"endpoints", "create", e2eName, "--url", "https://x"}, code: exitInvalid},
		{name: "endpoints search", args: []string{"endpoints", "search", "--max-results", "1", "--all", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			if p := decode[wire.SearchEndpoints](t, r); len(p.Endpoints) != 2 {
				t.Errorf("got %d endpoints", len(p.Endpoints))
			}
		}},
		{name: "endpoints search by alias", args: []string{"endpoints", "search", e2eName, "--alias", "prod"}, want: []string{"alias prod → 1.1.0", "https://gw.example.com/search"}},
		{name: "connect through the alias endpoint", args: []string{"connect", e2eName, "--alias", "prod", "--client", "claude-code"},
			want: []string{"claude mcp add --transport http search https://gw.example.com/search"}},
		{name: "connect to the latest version", args: []string{"connect", e2eName, "--client", "vscode", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			var got struct {
				Version string `json:"version"`
				Snippet string `json:"snippet"`
			}
			got = decode[struct {
				Version string `json:"version"`
				Snippet string `json:"snippet"`
			}](t, r)
			if got.Version != "1.1.0" || !strings.Contains(got.Snippet, `"type": "http"`) {
				t.Errorf("got %+v", got)
			}
		}},
		{name: "connect needs a client", args: []string{"connect", e2eName}, code: exitInvalid},
		{name: "connect missing version", args: []string{"connect", e2eName, "--version", "3.0.0", "--client", "cursor"}, code: exitNotFound},
		{name: "refresh-tools up to date", args: []string{"refresh-tools", e2eName, "1.0.0"}, want: []string{"up to date"}},
	})

	tools.add("translate")
	runSteps(t, uri, []step{
		{name: "refresh-tools dry run", args: []string{"refresh-tools", e2eName, "1.0.0", "--dry-run"}, want: []string{"+ translate", "Dry run"}},
		{name: "dry run wrote nothing", args: []string{"get-version", e2eName, "1.0.0"}, check: func(t *testing.T, r cliResult) {
			if strings.Contains(r.stdout, "translate") {
				t.Error("the dry run wrote the tools")
			}
		}},
		{name: "refresh-tools", args: []string{"refresh-tools", e2eName, "1.0.0", "-o", "json"}, check: func(t *testing.T, r cliResult) {
			var res struct {
				Written bool `json:"written"`
				Changes struct {
					Added []string `json:"added"`
				} `json:"changes"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || !res.Written || fmt.Sprint(res.Changes.Added) != "[translate]" {
				t.Errorf("got %s", r.stdout)
			}
		}},
		{name: "refreshed tools stored", args: []string{"get-version", e2eName, "1.0.0"}, want: []string{"translate"}},
		{name: "refresh-tools without a remote", args: []string{"refresh-tools", e2eName, "2.0.0-rc.1"}, code: exitOther, stderr: []string{"no streamable-http"}},
		{name: "delete an active server is refused", args: []string{"delete", e2eName, "--yes"}, code: exitInvalid, stderr: []string{"active version"}},
		{name: "delete-alias", args: []string{"delete-alias", e2eName, "prod", "--yes"}},
		{name: "alias endpoint went with it", args: []string{"endpoints", "search", e2eName, "-o", "json"}, check: func(t *testing.T, r cliResult) {
			p := decode[wire.SearchEndpoints](t, r)
			if len(p.Endpoints) != 1 {
				t.Errorf("got %d endpoints", len(p.Endpoints))
			}
		}},
		{name: "delete-version", args: []string{"delete-version", e2eName, "2.0.0-rc.1"}},
		{name: "deleted version is gone", args: []string{"get-version", e2eName, "2.0.0-rc.1"}, code: exitNotFound},
		{name: "delete-version of an active version", args: []string{"delete-version", e2eName, "1.1.0"}, code: exitInvalid},
		{name: "bad output flag", args: []string{"search", "-o", "yaml"}, code: exitInvalid},
		{name: "unknown flag", args: []string{"search", "--nope"}, code: exitInvalid},
		{name: "workspace header without workspaces", args: []string{"get", e2eName, "--workspace", "team-a"}, code: exitInvalid,
			stderr: []string{"FEATURE_DISABLED"}},
	})
}

// TestCLIEndpointCommands covers endpoints get, update and delete on a
// version target.
func TestCLIEndpointCommands(t *testing.T) {
	clearClientEnv(t)
	uri := startSidecar(t)
	r := runCLI(t, uri, serverJSON(e2eName, "1.0.0", ""), "register", "--status", "active")
	if r.code != 0 {
		t.Fatalf("register: %v %s", r.err, r.stderr)
	}
	r = runCLI(t, uri, "", "endpoints", "create", e2eName, "--url", "https://gw/mcp", "--version", "1.0.0", "-o", "json")
	if r.code != 0 {
		t.Fatalf("create: %v", r.err)
	}
	id := decode[wire.Endpoint](t, r).ID
	runSteps(t, uri, []step{
		{name: "get", args: []string{"endpoints", "get", e2eName, id}, want: []string{id, "version 1.0.0", "https://gw/mcp"}},
		{name: "update", args: []string{"endpoints", "update", e2eName, id, "--transport", "sse", "--url", "https://gw/sse", "-o", "json"},
			check: func(t *testing.T, r cliResult) {
				if e := decode[wire.Endpoint](t, r); e.TransportType != "sse" || e.URL != "https://gw/sse" {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "update nothing", args: []string{"endpoints", "update", e2eName, id}, code: exitInvalid},
		{name: "update to both targets", args: []string{"endpoints", "update", e2eName, id, "--version", "1.0.0", "--alias", "x"}, code: exitInvalid},
		{name: "connect via endpoint", args: []string{"connect", e2eName, "--endpoint", id, "--client", "mcp-json"},
			want: []string{`"type": "sse"`, `"url": "https://gw/sse"`}},
		{name: "delete", args: []string{"endpoints", "delete", e2eName, id, "--yes", "-o", "json"}, want: []string{"{}"}},
		{name: "get deleted", args: []string{"endpoints", "get", e2eName, id}, code: exitNotFound},
	})
}
