package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// LatestAlias is the alias the server resolves to the latest version: the
// highest SemVer active version, else the highest draft or deprecated one.
const LatestAlias = "latest"

// CreateVersion registers a version of server name from its server.json
// (POST /mcp-servers/{name}/versions), creating the server when missing.
// req.ServerJSON's "name" must equal name.
func (c *Client) CreateVersion(ctx context.Context, name string, req wire.CreateVersionRequest) (*wire.Version, error) {
	var out wire.Version
	if err := c.do(ctx, call{method: http.MethodPost, path: serverPath(name, "versions"), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetVersion returns one version. Deleted versions are not found.
func (c *Client) GetVersion(ctx context.Context, name, version string) (*wire.Version, error) {
	var out wire.Version
	if err := c.do(ctx, call{method: http.MethodGet, path: versionPath(name, version), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetVersionByAlias resolves an alias ("latest" included) to its version.
func (c *Client) GetVersionByAlias(ctx context.Context, name, alias string) (*wire.Version, error) {
	var out wire.Version
	if err := c.do(ctx, call{method: http.MethodGet, path: serverPath(name, "aliases", seg(alias)), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetLatestVersion is GetVersionByAlias(name, "latest").
func (c *Client) GetLatestVersion(ctx context.Context, name string) (*wire.Version, error) {
	return c.GetVersionByAlias(ctx, name, LatestAlias)
}

// UpdateVersion patches display_name, status and tools. Status changes
// follow the lifecycle (draft → active → deprecated, ...).
func (c *Client) UpdateVersion(ctx context.Context, name, version string, req wire.UpdateVersionRequest) (*wire.Version, error) {
	var out wire.Version
	if err := c.do(ctx, call{method: http.MethodPatch, path: versionPath(name, version), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteVersion soft-deletes a draft or deprecated version, with the aliases
// and endpoints that target it. The version string cannot be registered
// again on that server.
func (c *Client) DeleteVersion(ctx context.Context, name, version string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: versionPath(name, version), out: &wire.Empty{}})
}

// SearchVersions returns one page of the versions of server name.
func (c *Client) SearchVersions(ctx context.Context, name string, s Search) (*wire.SearchVersions, error) {
	var out wire.SearchVersions
	if err := c.do(ctx, call{method: http.MethodGet, path: serverPath(name, "versions"), query: s.values(), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// Versions iterates over every version of server name matching s.
func (c *Client) Versions(ctx context.Context, name string, s Search) iter.Seq2[wire.Version, error] {
	return paginate(s.PageToken, func(token string) ([]wire.Version, *string, error) {
		s.PageToken = token
		p, err := c.SearchVersions(ctx, name, s)
		if err != nil {
			return nil, nil, err
		}
		return p.Versions, p.NextPageToken, nil
	})
}
