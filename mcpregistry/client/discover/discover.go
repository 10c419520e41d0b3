// Package discover lists the tools of a live MCP server, over streamable
// HTTP or SSE, with the official Go MCP SDK, in the form the registry stores
// them. MLflow's Python SDK does the same on the client side when a version
// is registered without tools; the registry API itself never probes servers.
package discover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transports a remote may use.
const (
	StreamableHTTP = "streamable-http"
	SSE            = "sse"
)

// MaxTools is the registry's limit on a version's tool list; a server that
// lists more cannot be stored, and the bound also ends a server's endless
// paging.
const MaxTools = 1000

// Remote is where a server is reached.
type Remote struct {
	URL       string
	Transport string // StreamableHTTP or SSE
}

// ErrNoRemote reports a server.json without a remote that discovery can use.
var ErrNoRemote = errors.New("server.json has no streamable-http or sse remote with a concrete URL")

// RemoteFromServerJSON picks the first usable remotes[] entry of a
// server.json: type streamable-http or sse, and a URL without {variables},
// which only the user can fill in.
func RemoteFromServerJSON(serverJSON json.RawMessage) (Remote, error) {
	var doc struct {
		Remotes []struct {
			Type *string `json:"type"`
			URL  *string `json:"url"`
		} `json:"remotes"`
	}
	if err := json.Unmarshal(serverJSON, &doc); err != nil {
		return Remote{}, fmt.Errorf("reading server.json remotes: %w", err)
	}
	for _, r := range doc.Remotes {
		if r.Type == nil || r.URL == nil || strings.ContainsAny(*r.URL, "{}") || strings.TrimSpace(*r.URL) == "" {
			continue
		}
		if *r.Type == StreamableHTTP || *r.Type == SSE {
			return Remote{URL: *r.URL, Transport: *r.Type}, nil
		}
	}
	return Remote{}, ErrNoRemote
}

// Options configure a discovery.
type Options struct {
	// Header is sent with every request to the server (authentication).
	Header http.Header
	// HTTPClient is the base client (default http.DefaultClient's transport).
	HTTPClient *http.Client
	// ClientVersion names this client to the server (default "dev").
	ClientVersion string
	// Progress, when set, is called after each page with the count so far.
	Progress func(tools int)
}

// Tools connects to r, lists every tool (all pages) and returns them as the
// JSON list the registry's create and update requests take.
func Tools(ctx context.Context, r Remote, opt Options) (json.RawMessage, error) {
	tools, err := list(ctx, r, opt)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(tools)
	if err != nil {
		return nil, fmt.Errorf("encoding the tools: %w", err)
	}
	return out, nil
}

func list(ctx context.Context, r Remote, opt Options) ([]registryTool, error) {
	hc := &http.Client{Transport: headerTransport{base: baseTransport(opt.HTTPClient), header: opt.Header}}
	if opt.HTTPClient != nil {
		hc.Timeout, hc.Jar, hc.CheckRedirect = opt.HTTPClient.Timeout, opt.HTTPClient.Jar, opt.HTTPClient.CheckRedirect
	}
	var t mcp.Transport
	switch r.Transport {
	case StreamableHTTP, "":
		// One-shot listing: no standalone stream for server notifications,
		// and no reconnect loop that would outlive a dead server.
		t = &mcp.StreamableClientTransport{Endpoint: r.URL, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}
	case SSE:
		t = &mcp.SSEClientTransport{Endpoint: r.URL, HTTPClient: hc}
	default:
		return nil, fmt.Errorf("transport %q: discovery speaks %s and %s", r.Transport, StreamableHTTP, SSE)
	}
	version := opt.ClientVersion
	if version == "" {
		version = "dev"
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "mlflow-sidecar", Version: version}, nil)
	cs, err := c.Connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s (%s): %w", r.URL, r.Transport, err)
	}
	defer cs.Close()
	if res := cs.InitializeResult(); res == nil || res.Capabilities == nil || res.Capabilities.Tools == nil {
		return []registryTool{}, nil // the server offers no tools
	}
	tools := []registryTool{}
	seen := map[string]bool{}
	params := &mcp.ListToolsParams{}
	for {
		page, err := cs.ListTools(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing tools of %s: %w", r.URL, err)
		}
		for _, tool := range page.Tools {
			tools = append(tools, fromSDK(tool))
		}
		if len(tools) > MaxTools {
			return nil, fmt.Errorf("%s lists more than %d tools, the registry's limit", r.URL, MaxTools)
		}
		if opt.Progress != nil {
			opt.Progress(len(tools))
		}
		if page.NextCursor == "" {
			return tools, nil
		}
		if seen[page.NextCursor] {
			return nil, fmt.Errorf("%s returned cursor %q twice while listing tools", r.URL, page.NextCursor)
		}
		seen[page.NextCursor] = true
		params = &mcp.ListToolsParams{Cursor: page.NextCursor}
	}
}

func baseTransport(hc *http.Client) http.RoundTripper {
	if hc != nil && hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	base   http.RoundTripper
	header http.Header
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(h.header) == 0 {
		return h.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	for k, vs := range h.header {
		r.Header.Del(k)
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return h.base.RoundTrip(r)
}

// registryTool is a tool with the keys MLflow's registry keeps. The SDK
// (v1.8.0) does not decode a tool's "execution" object, so it is not
// carried; _meta is dropped, as the registry drops unknown keys.
type registryTool struct {
	Name         string               `json:"name"`
	Title        string               `json:"title,omitempty"`
	Description  string               `json:"description,omitempty"`
	InputSchema  any                  `json:"inputSchema,omitempty"`
	OutputSchema any                  `json:"outputSchema,omitempty"`
	Annotations  *mcp.ToolAnnotations `json:"annotations,omitempty"`
	Icons        []mcp.Icon           `json:"icons,omitempty"`
}

func fromSDK(t *mcp.Tool) registryTool {
	return registryTool{
		Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema,
		OutputSchema: t.OutputSchema, Annotations: t.Annotations, Icons: t.Icons,
	}
}
