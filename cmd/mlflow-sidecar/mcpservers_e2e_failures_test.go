package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// TestCLIAuthAndServerFailures checks credentials from MLflow's variables
// and the exit codes of authentication and server failures.
func TestCLIAuthAndServerFailures(t *testing.T) {
	clearClientEnv(t)
	uri := startSidecarWith(t, basicAuth{user: "alice", password: "s3cret"})
	t.Run("no credentials", func(t *testing.T) {
		if r := runCLI(t, uri, "", "search"); r.code != exitAuth {
			t.Fatalf("exit %d: %v", r.code, r.err)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		t.Setenv("MLFLOW_TRACKING_USERNAME", "alice")
		t.Setenv("MLFLOW_TRACKING_PASSWORD", "nope")
		if r := runCLI(t, uri, "", "search"); r.code != exitAuth {
			t.Fatalf("exit %d: %v", r.code, r.err)
		}
	})
	t.Run("basic credentials record the user", func(t *testing.T) {
		t.Setenv("MLFLOW_TRACKING_USERNAME", "alice")
		t.Setenv("MLFLOW_TRACKING_PASSWORD", "s3cret")
		r := runCLI(t, uri, serverJSON(e2eName, "1.0.0", ""), "register", "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %v", r.code, r.err)
		}
		if v := decode[wire.Version](t, r); v.CreatedBy == nil || *v.CreatedBy != "alice" {
			t.Errorf("created_by %v", v.CreatedBy)
		}
	})
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   int
	}{
		{"unavailable", http.StatusServiceUnavailable, `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"database down"}`, exitUnavailable},
		{"internal", http.StatusInternalServerError, `{"error_code":"INTERNAL_ERROR","message":"Internal error."}`, exitUnavailable},
		{"unknown route", http.StatusNotFound, `{"error_code":"ENDPOINT_NOT_FOUND","message":"no route"}`, exitOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			if r := runCLI(t, srv.URL, "", "get", e2eName); r.code != tc.code {
				t.Fatalf("exit %d, want %d: %v", r.code, tc.code, r.err)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		if r := runCLI(t, url, "", "get", e2eName); r.code != exitUnavailable {
			t.Fatalf("exit %d: %v", r.code, r.err)
		}
	})
}

// The registry holds tool icons to stricter rules than MCP servers do; a
// registration whose discovered tools it rejects goes ahead without them.
func TestCLIRegisterWithRejectedDiscoveredTools(t *testing.T) {
	clearClientEnv(t)
	uri := startSidecar(t)
	ts := &toolServer{srv: mcp.NewServer(&mcp.Implementation{Name: "icons", Version: "1.0.0"}, nil)}
	ts.srv.AddTool(&mcp.Tool{Name: "pic", InputSchema: map[string]any{"type": "object"},
		Icons: []mcp.Icon{{Source: "http://insecure.example.com/i.png"}}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ts.srv }, nil))
	t.Cleanup(hs.Close)
	r := runCLI(t, uri, serverJSON(e2eName, "1.0.0", hs.URL), "register", "--discover-tools", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "rejected the discovered tools") {
		t.Errorf("stderr %q", r.stderr)
	}
	if v := decode[wire.Version](t, r); string(v.Tools) != "[]" {
		t.Errorf("tools %s", v.Tools)
	}
}
