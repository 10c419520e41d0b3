package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// CreateEndpoint approves a URL through which clients reach server name,
// targeting a version or an alias.
func (c *Client) CreateEndpoint(ctx context.Context, name string, req wire.CreateEndpointRequest) (*wire.Endpoint, error) {
	var out wire.Endpoint
	if err := c.do(ctx, call{method: http.MethodPost, path: serverPath(name, "endpoints"), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetEndpoint returns an endpoint whose target resolves now.
func (c *Client) GetEndpoint(ctx context.Context, name, id string) (*wire.Endpoint, error) {
	var out wire.Endpoint
	if err := c.do(ctx, call{method: http.MethodGet, path: serverPath(name, "endpoints", seg(id)), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateEndpoint changes an endpoint's URL, transport or target.
func (c *Client) UpdateEndpoint(ctx context.Context, name, id string, req wire.UpdateEndpointRequest) (*wire.Endpoint, error) {
	var out wire.Endpoint
	if err := c.do(ctx, call{method: http.MethodPatch, path: serverPath(name, "endpoints", seg(id)), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteEndpoint deletes an endpoint.
func (c *Client) DeleteEndpoint(ctx context.Context, name, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: serverPath(name, "endpoints", seg(id)), out: &wire.Empty{}})
}

// EndpointSearch is the query of the endpoint search routes.
type EndpointSearch struct {
	Search
	// Server restricts the search to one server; "" searches the workspace.
	Server string
	// ServerVersion keeps endpoints that target exactly this version.
	ServerVersion *string
	// ServerAlias keeps endpoints that target this alias ("latest" too).
	ServerAlias *string
}

// SearchEndpoints returns one page of access endpoints.
func (c *Client) SearchEndpoints(ctx context.Context, s EndpointSearch) (*wire.SearchEndpoints, error) {
	q := s.values()
	if s.ServerVersion != nil {
		q.Set("server_version", *s.ServerVersion)
	}
	if s.ServerAlias != nil {
		q.Set("server_alias", *s.ServerAlias)
	}
	p := path(registryPrefix, "endpoints")
	if s.Server != "" {
		p = serverPath(s.Server, "endpoints")
	}
	var out wire.SearchEndpoints
	if err := c.do(ctx, call{method: http.MethodGet, path: p, query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Endpoints iterates over every endpoint matching s.
func (c *Client) Endpoints(ctx context.Context, s EndpointSearch) iter.Seq2[wire.Endpoint, error] {
	return paginate(s.PageToken, func(token string) ([]wire.Endpoint, *string, error) {
		s.PageToken = token
		p, err := c.SearchEndpoints(ctx, s)
		if err != nil {
			return nil, nil, err
		}
		return p.Endpoints, p.NextPageToken, nil
	})
}
