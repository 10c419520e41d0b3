package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// CreateServer registers an MCP server without versions (POST /mcp-servers).
// CreateVersion creates the server too when it is missing.
func (c *Client) CreateServer(ctx context.Context, req wire.CreateServerRequest) (*wire.Server, error) {
	var out wire.Server
	if err := c.do(ctx, call{method: http.MethodPost, path: registryPrefix, body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetServer returns a server with its latest version, aliases, tags and
// access endpoints.
func (c *Client) GetServer(ctx context.Context, name string) (*wire.Server, error) {
	var out wire.Server
	if err := c.do(ctx, call{method: http.MethodGet, path: serverPath(name), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateServer patches display_name, description and icons (merge-patch).
func (c *Client) UpdateServer(ctx context.Context, name string, req wire.UpdateServerRequest) (*wire.Server, error) {
	var out wire.Server
	if err := c.do(ctx, call{method: http.MethodPatch, path: serverPath(name), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteServer deletes a server and everything under it. The server refuses
// while any version is active.
func (c *Client) DeleteServer(ctx context.Context, name string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: serverPath(name), out: &wire.Empty{}})
}

// SearchServers returns one page of servers.
func (c *Client) SearchServers(ctx context.Context, s Search) (*wire.SearchServers, error) {
	var out wire.SearchServers
	if err := c.do(ctx, call{method: http.MethodGet, path: registryPrefix, query: s.values(), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Servers iterates over every server matching s, page by page, starting at
// s.PageToken. It stops after yielding the first error.
func (c *Client) Servers(ctx context.Context, s Search) iter.Seq2[wire.Server, error] {
	return paginate(s.PageToken, func(token string) ([]wire.Server, *string, error) {
		s.PageToken = token
		p, err := c.SearchServers(ctx, s)
		if err != nil {
			return nil, nil, err
		}
		return p.Servers, p.NextPageToken, nil
	})
}
