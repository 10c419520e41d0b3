package discover

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpServer starts a real MCP server (the official SDK's) with n tools,
// served over transport, with pageSize tools per tools/list page. When
// wantAuth is set, requests without that Authorization header get 401.
func mcpServer(t *testing.T, transport string, n, pageSize int, wantAuth string) string {
	t.Helper()
	srv := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1.0.0"}, &mcp.ServerOptions{PageSize: pageSize})
	for i := range n {
		tool := &mcp.Tool{
			Name:        fmt.Sprintf("tool_%03d", i),
			Description: fmt.Sprintf("Tool number %d", i),
			InputSchema: map[string]any{"type": "object", "properties": map[string]any{"q": map[string]any{"type": "string"}}},
		}
		if i == 0 {
			tool.Title = "First"
			tool.OutputSchema = map[string]any{"type": "object"}
			tool.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: true}
			tool.Icons = []mcp.Icon{{Source: "https://example.com/i.png", MIMEType: "image/png"}}
		}
		srv.AddTool(tool, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
	}
	get := func(*http.Request) *mcp.Server { return srv }
	var h http.Handler
	switch transport {
	case SSE:
		h = mcp.NewSSEHandler(get, nil)
	default:
		h = mcp.NewStreamableHTTPHandler(get, nil)
	}
	if wantAuth != "" {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != wantAuth {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

func toolsOf(t *testing.T, raw json.RawMessage) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("tools %s: %v", raw, err)
	}
	return out
}

func TestToolsOverBothTransports(t *testing.T) {
	for _, tc := range []struct {
		name      string
		transport string
		n, page   int
		wantPages int
	}{
		{"streamable http, one page", StreamableHTTP, 3, 0, 1},
		{"sse, one page", SSE, 3, 0, 1},
		{"streamable http, many pages", StreamableHTTP, 25, 2, 13},
		{"sse, many pages", SSE, 25, 4, 7},
		{"no tools", StreamableHTTP, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := mcpServer(t, tc.transport, tc.n, tc.page, "")
			pages := 0
			raw, err := Tools(t.Context(), Remote{URL: url, Transport: tc.transport}, Options{Progress: func(int) { pages++ }})
			if err != nil {
				t.Fatal(err)
			}
			tools := toolsOf(t, raw)
			if len(tools) != tc.n {
				t.Fatalf("%d tools, want %d", len(tools), tc.n)
			}
			if pages != tc.wantPages {
				t.Errorf("%d pages, want %d", pages, tc.wantPages)
			}
			for i, tool := range tools {
				if tool["name"] != fmt.Sprintf("tool_%03d", i) || tool["description"] != fmt.Sprintf("Tool number %d", i) {
					t.Errorf("tool %d: %v", i, tool)
				}
				if _, ok := tool["_meta"]; ok {
					t.Errorf("tool %d keeps _meta", i)
				}
			}
			if tc.n > 0 {
				first := tools[0]
				if first["title"] != "First" || first["outputSchema"] == nil || first["inputSchema"] == nil {
					t.Errorf("first tool lost fields: %v", first)
				}
				if a, _ := first["annotations"].(map[string]any); a["readOnlyHint"] != true {
					t.Errorf("annotations %v", first["annotations"])
				}
				if icons, _ := first["icons"].([]any); len(icons) != 1 {
					t.Errorf("icons %v", first["icons"])
				}
			}
		})
	}
}

func TestHeadersReachTheServer(t *testing.T) {
	for _, transport := range []string{StreamableHTTP, SSE} {
		t.Run(transport, func(t *testing.T) {
			url := mcpServer(t, transport, 2, 0, "Bearer s3cret")
			r := Remote{URL: url, Transport: transport}
			if _, err := Tools(t.Context(), r, Options{}); err == nil {
				t.Fatal("discovery without the header succeeded")
			}
			raw, err := Tools(t.Context(), r, Options{Header: http.Header{"Authorization": {"Bearer s3cret"}}})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(toolsOf(t, raw)); n != 2 {
				t.Errorf("%d tools", n)
			}
		})
	}
}

func TestFailingServers(t *testing.T) {
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return "http://" + ln.Addr().String() + "/mcp"
	}()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	notMCP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"hello":"world"}`))
	}))
	t.Cleanup(notMCP.Close)
	for _, tc := range []struct {
		name string
		r    Remote
		want string
	}{
		{"connection refused", Remote{URL: refused, Transport: StreamableHTTP}, "connecting to"},
		{"connection refused over sse", Remote{URL: refused, Transport: SSE}, "connecting to"},
		{"server error", Remote{URL: broken.URL, Transport: StreamableHTTP}, "connecting to"},
		{"server error over sse", Remote{URL: broken.URL, Transport: SSE}, "connecting to"},
		{"not an MCP server", Remote{URL: notMCP.URL, Transport: StreamableHTTP}, "connecting to"},
		{"unknown transport", Remote{URL: broken.URL, Transport: "stdio"}, "discovery speaks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Tools(t.Context(), tc.r, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestTooManyTools(t *testing.T) {
	url := mcpServer(t, StreamableHTTP, MaxTools+1, 400, "")
	_, err := Tools(t.Context(), Remote{URL: url, Transport: StreamableHTTP}, Options{})
	if err == nil || !strings.Contains(err.Error(), "more than 1000 tools") {
		t.Fatalf("got %v", err)
	}
}

func TestRemoteFromServerJSON(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      Remote
		wantErr   bool
	}{
		{"first streamable", `{"remotes":[{"type":"streamable-http","url":"https://a/mcp"},{"type":"sse","url":"https://a/sse"}]}`,
			Remote{URL: "https://a/mcp", Transport: StreamableHTTP}, false},
		{"sse", `{"remotes":[{"type":"sse","url":"https://a/sse"}]}`, Remote{URL: "https://a/sse", Transport: SSE}, false},
		{"skips templated URLs", `{"remotes":[{"type":"streamable-http","url":"https://{tenant}.a/mcp"},{"type":"sse","url":"https://a/sse"}]}`,
			Remote{URL: "https://a/sse", Transport: SSE}, false},
		{"skips null and unknown types", `{"remotes":[{"type":null,"url":"https://x"},{"type":"ws","url":"wss://x"},{"url":"https://y"}]}`, Remote{}, true},
		{"package only", `{"packages":[{"registryType":"npm","identifier":"x","transport":{"type":"stdio"}}]}`, Remote{}, true},
		{"not an object", `[]`, Remote{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RemoteFromServerJSON(json.RawMessage(tc.doc))
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	stored := `[{"name":"a","title":null,"description":"x","inputSchema":{"type":"object"},"outputSchema":null,"annotations":null,"icons":null,"execution":null},
		{"name":"b","title":null,"description":"old","inputSchema":null,"outputSchema":null,"annotations":null,"icons":null,"execution":null},
		{"name":"c","title":null,"description":null,"inputSchema":null,"outputSchema":null,"annotations":null,"icons":null,"execution":null}]`
	for _, tc := range []struct {
		name, stored, found string
		want                Changes
	}{
		{"same despite nulls and key order", stored,
			`[{"inputSchema":{"type":"object"},"description":"x","name":"a"},{"name":"b","description":"old"},{"name":"c"}]`,
			Changes{Unchanged: 3}},
		{"added removed changed", stored, `[{"name":"a","description":"x","inputSchema":{"type":"object"}},{"name":"b","description":"new"},{"name":"d"}]`,
			Changes{Added: []string{"d"}, Removed: []string{"c"}, Changed: []string{"b"}, Unchanged: 1}},
		{"nothing stored", `[]`, `[{"name":"z"},{"name":"y"}]`, Changes{Added: []string{"y", "z"}}},
		{"null stored", `null`, `[]`, Changes{}},
		{"numbers compare exactly", `[{"name":"n","inputSchema":{"max":1.0}}]`, `[{"name":"n","inputSchema":{"max":1}}]`,
			Changes{Changed: []string{"n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Diff(json.RawMessage(tc.stored), json.RawMessage(tc.found))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.Empty() != tc.want.Empty() {
				t.Error("Empty disagrees")
			}
		})
	}
	if _, err := Diff(json.RawMessage(`[{"title":"no name"}]`), json.RawMessage(`[]`)); err == nil {
		t.Error("a tool without a name was accepted")
	}
}
