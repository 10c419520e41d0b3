package client

import (
	"context"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// SetServerTag sets (or replaces) a tag on a server.
func (c *Client) SetServerTag(ctx context.Context, name, key, value string) error {
	return c.do(ctx, call{method: http.MethodPost, path: serverPath(name, "tags"),
		body: wire.SetTagRequest{Key: key, Value: value}, out: &wire.Empty{}})
}

// DeleteServerTag deletes a server's tag.
func (c *Client) DeleteServerTag(ctx context.Context, name, key string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: serverPath(name, "tags", seg(key)), out: &wire.Empty{}})
}

// SetVersionTag sets (or replaces) a tag on a live version.
func (c *Client) SetVersionTag(ctx context.Context, name, version, key, value string) error {
	return c.do(ctx, call{method: http.MethodPost, path: versionPath(name, version, "tags"),
		body: wire.SetTagRequest{Key: key, Value: value}, out: &wire.Empty{}})
}

// DeleteVersionTag deletes a version's tag.
func (c *Client) DeleteVersionTag(ctx context.Context, name, version, key string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: versionPath(name, version, "tags", seg(key)), out: &wire.Empty{}})
}

// SetAlias points alias at version (creating or moving it). "latest" is
// reserved.
func (c *Client) SetAlias(ctx context.Context, name, alias, version string) error {
	return c.do(ctx, call{method: http.MethodPost, path: serverPath(name, "aliases"),
		body: wire.SetAliasRequest{Alias: alias, Version: version}, out: &wire.Empty{}})
}

// DeleteAlias deletes an alias and the endpoints that target it.
func (c *Client) DeleteAlias(ctx context.Context, name, alias string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: serverPath(name, "aliases", seg(alias)), out: &wire.Empty{}})
}
