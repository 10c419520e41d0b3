package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func TestExitCodes(t *testing.T) {
	apiErr := func(status int, code string) error {
		return &client.Error{StatusCode: status, Code: code, Message: "m"}
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"usage", usageErrorf("bad flag"), exitInvalid},
		{"invalid", apiErr(400, "INVALID_PARAMETER_VALUE"), exitInvalid},
		{"already exists", apiErr(400, "RESOURCE_ALREADY_EXISTS"), exitInvalid},
		{"feature disabled", apiErr(400, "FEATURE_DISABLED"), exitInvalid},
		{"not found", apiErr(404, "RESOURCE_DOES_NOT_EXIST"), exitNotFound},
		{"wrapped not found", fmt.Errorf("x: %w", apiErr(404, "RESOURCE_DOES_NOT_EXIST")), exitNotFound},
		{"unauthenticated", apiErr(401, "UNAUTHENTICATED"), exitAuth},
		{"forbidden", apiErr(403, "PERMISSION_DENIED"), exitAuth},
		{"unavailable", apiErr(503, "TEMPORARILY_UNAVAILABLE"), exitUnavailable},
		{"internal", apiErr(500, "INTERNAL_ERROR"), exitUnavailable},
		{"transport", &client.TransportError{Method: "GET", URL: "u", Err: errors.New("refused")}, exitUnavailable},
		{"unknown route", apiErr(404, "ENDPOINT_NOT_FOUND"), exitOther},
		{"explicit", &exitError{code: exitNotFound, err: errors.New("x")}, exitNotFound},
		{"plain", errors.New("x"), exitOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mcpExitCode(tc.err); got != tc.want {
				t.Errorf("mcpExitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interactive bool
		yes         bool
		answer      string
		wantErr     bool
		wantPrompt  bool
	}{
		{"terminal, yes", true, false, "y\n", false, true},
		{"terminal, YES", true, false, "YES\n", false, true},
		{"terminal, no", true, false, "n\n", true, true},
		{"terminal, empty answer", true, false, "\n", true, true},
		{"terminal, end of input", true, false, "", true, true},
		{"terminal with --yes", true, true, "", false, false},
		{"script", false, false, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &mcpCLI{yes: tc.yes, term: terminal{stdin: tc.interactive, stderr: tc.interactive}}
			cmd := &cobra.Command{}
			var errb bytes.Buffer
			cmd.SetErr(&errb)
			cmd.SetIn(strings.NewReader(tc.answer))
			err := c.confirm(cmd, "Delete %s?", "x")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil && mcpExitCode(err) != exitOther {
				t.Errorf("exit %d", mcpExitCode(err))
			}
			if got := strings.Contains(errb.String(), "Delete x? [y/N]"); got != tc.wantPrompt {
				t.Errorf("prompt %q", errb.String())
			}
		})
	}
}

func TestTableAlignsColouredCells(t *testing.T) {
	for _, colour := range []bool{false, true} {
		term := terminal{colour: colour}
		tb := &table{term: term, header: []string{"NAME", "STATUS", "LATEST"}, paint: map[int]func(string) string{1: term.status}}
		tb.add("io.github.acme/search", "active", "1.0.0")
		tb.add("a/bb", "deprecated", "-")
		var b bytes.Buffer
		tb.write(&b)
		plain := stripANSI(b.String())
		want := "NAME                   STATUS      LATEST\n" +
			"io.github.acme/search  active      1.0.0\n" +
			"a/bb                   deprecated  -\n"
		if plain != want {
			t.Errorf("colour %v:\n%s\nwant\n%s", colour, plain, want)
		}
		if hasANSI := strings.Contains(b.String(), "\x1b["); hasANSI != colour {
			t.Errorf("colour %v but ANSI codes present: %v", colour, hasANSI)
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestFlagParsers(t *testing.T) {
	h, err := parseHeaders([]string{"Authorization: Bearer a:b", "X-Two:  2 "})
	if err != nil || h.Get("Authorization") != "Bearer a:b" || h.Get("X-Two") != "2" {
		t.Errorf("got %v, %v", h, err)
	}
	for _, bad := range []string{"no colon", ": v", "Bad Name: v"} {
		if _, err := parseHeaders([]string{bad}); mcpExitCode(err) != exitInvalid {
			t.Errorf("%q accepted", bad)
		}
	}
	if n, v, err := splitNameVersion("io.github.acme/search@1.2.0+b"); err != nil || n != "io.github.acme/search" || v != "1.2.0+b" {
		t.Errorf("got %s %s %v", n, v, err)
	}
	for _, bad := range []string{"a/b", "@1.0.0", "a/b@", "a/b@1@2"} {
		if _, _, err := splitNameVersion(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// traceFake serves the trace-link routes in the shape issue 5 documents,
// recording what it receives.
type traceFake struct {
	mu   sync.Mutex
	reqs []string
}

func (f *traceFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Method+" "+r.RequestURI+" "+string(body))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	page := func(id, next string) {
		p := wire.SearchTraces{Traces: []wire.TraceLink{{TraceID: id, ExperimentID: "7", TimestampMs: 1700000000000, Status: "OK",
			MCPServerVersion: wire.VersionRef{Name: "io.github.acme/search", Version: "1.0.0"}}}}
		if next != "" {
			p.NextPageToken = &next
		}
		_ = json.NewEncoder(w).Encode(p)
	}
	switch {
	case r.URL.Path == "/api/3.0/mlflow/traces/link-mcp-server-versions", r.URL.Path == "/api/3.0/mlflow/traces/unlink-mcp-server-versions":
		_, _ = io.WriteString(w, "{}")
	case strings.HasSuffix(r.URL.RawPath, "/traces") && r.URL.Query().Get("page_token") == "":
		page("tr-2", "p2")
	case strings.HasSuffix(r.URL.RawPath, "/traces"):
		page("tr-1", "")
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Trace 'tr-x' not found"}`)
	}
}

func TestTraceCommands(t *testing.T) {
	clearClientEnv(t)
	fake := &traceFake{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		want     string
		wantReqs []string
	}{
		{"link", []string{"link-trace", "tr-1", "io.github.acme/search@1.0.0", "io.github.acme/other@2.0.0"}, 0,
			"Linked trace tr-1 to io.github.acme/search@1.0.0, io.github.acme/other@2.0.0",
			[]string{`POST /api/3.0/mlflow/traces/link-mcp-server-versions {"trace_id":"tr-1","mcp_server_versions":[{"name":"io.github.acme/search","version":"1.0.0"},{"name":"io.github.acme/other","version":"2.0.0"}]}`}},
		{"link needs NAME@VERSION", []string{"link-trace", "tr-1", "io.github.acme/search"}, exitInvalid, "", nil},
		{"link needs a version", []string{"link-trace", "tr-1"}, exitInvalid, "", nil},
		{"unlink", []string{"unlink-trace", "tr-1", "io.github.acme/search@1.0.0", "-o", "json"}, 0, "{}",
			[]string{`POST /api/3.0/mlflow/traces/unlink-mcp-server-versions {"trace_id":"tr-1","mcp_server_versions":[{"name":"io.github.acme/search","version":"1.0.0"}]}`}},
		{"version traces, one page", []string{"traces", "io.github.acme/search", "1.0.0"}, 0, "tr-2",
			[]string{"GET /api/3.0/mlflow/mcp-servers/io.github.acme%2Fsearch/versions/1.0.0/traces "}},
		{"server traces, every page", []string{"traces", "io.github.acme/search", "--all", "--max-results", "1", "-o", "json"}, 0, `"trace_id": "tr-1"`,
			[]string{"GET /api/3.0/mlflow/mcp-servers/io.github.acme%2Fsearch/traces?max_results=1 ",
				"GET /api/3.0/mlflow/mcp-servers/io.github.acme%2Fsearch/traces?max_results=1&page_token=p2 "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.mu.Lock()
			fake.reqs = nil
			fake.mu.Unlock()
			r := runCLI(t, srv.URL, "", tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %v", r.code, tc.code, r.err)
			}
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("stdout lacks %q:\n%s", tc.want, r.stdout)
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if strings.Join(fake.reqs, "\n") != strings.Join(tc.wantReqs, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(fake.reqs, "\n"), strings.Join(tc.wantReqs, "\n"))
			}
		})
	}
}

func TestSpinnerOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		c := &mcpCLI{term: terminal{stderr: tty}}
		cmd := &cobra.Command{}
		var errb syncBuffer
		cmd.SetErr(&errb)
		sp := c.startSpinner(cmd, "Working")
		sp.update("Working harder")
		sp.end()
		out := errb.String()
		if tty != (out != "") {
			t.Errorf("terminal %v: wrote %q", tty, out)
		}
		if tty && (!strings.Contains(out, "Working") || !strings.HasSuffix(out, "\r\x1b[K")) {
			t.Errorf("spinner output %q does not end with a cleared line", out)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the spinner's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
