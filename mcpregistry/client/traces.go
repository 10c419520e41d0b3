package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// LinkTrace records that trace traceID used the given versions. Linking a
// pair twice is a no-op; nothing is written when any item is unknown.
func (c *Client) LinkTrace(ctx context.Context, traceID string, versions ...wire.VersionRef) error {
	return c.do(ctx, call{method: http.MethodPost, path: path(tracesPrefix, "link-mcp-server-versions"),
		body: wire.LinkTraceRequest{TraceID: traceID, Versions: nonNil(versions)}, out: &wire.Empty{}})
}

// UnlinkTrace removes links recorded by LinkTrace.
func (c *Client) UnlinkTrace(ctx context.Context, traceID string, versions ...wire.VersionRef) error {
	return c.do(ctx, call{method: http.MethodPost, path: path(tracesPrefix, "unlink-mcp-server-versions"),
		body: wire.LinkTraceRequest{TraceID: traceID, Versions: nonNil(versions)}, out: &wire.Empty{}})
}

func nonNil(v []wire.VersionRef) []wire.VersionRef {
	if v == nil {
		return []wire.VersionRef{}
	}
	return v
}

// TraceVersions returns the MCP server versions linked to a trace.
func (c *Client) TraceVersions(ctx context.Context, traceID string) ([]wire.Version, error) {
	var out wire.TraceVersions
	if err := c.do(ctx, call{method: http.MethodGet, path: path(tracesPrefix, seg(traceID), "mcp-server-versions"), out: &out}); err != nil {
		return nil, err
	}
	return out.Versions, nil
}

// TraceSearch pages through the traces of a version or server.
type TraceSearch struct {
	MaxResults int // 0: the server's default
	PageToken  string
}

func (s TraceSearch) values() url.Values {
	q := url.Values{}
	if s.MaxResults != 0 {
		q.Set("max_results", strconv.Itoa(s.MaxResults))
	}
	if s.PageToken != "" {
		q.Set("page_token", s.PageToken)
	}
	return q
}

// SearchVersionTraces returns one page of the traces linked to a version,
// newest first.
func (c *Client) SearchVersionTraces(ctx context.Context, name, version string, s TraceSearch) (*wire.SearchTraces, error) {
	return c.searchTraces(ctx, versionPath(name, version, "traces"), s)
}

// SearchServerTraces returns one page of the traces linked to any version of
// server name, newest first.
func (c *Client) SearchServerTraces(ctx context.Context, name string, s TraceSearch) (*wire.SearchTraces, error) {
	return c.searchTraces(ctx, serverPath(name, "traces"), s)
}

func (c *Client) searchTraces(ctx context.Context, p string, s TraceSearch) (*wire.SearchTraces, error) {
	var out wire.SearchTraces
	if err := c.do(ctx, call{method: http.MethodGet, path: p, query: s.values(), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// VersionTraces iterates over every trace linked to a version.
func (c *Client) VersionTraces(ctx context.Context, name, version string, s TraceSearch) iter.Seq2[wire.TraceLink, error] {
	return c.traces(s, func(s TraceSearch) (*wire.SearchTraces, error) { return c.SearchVersionTraces(ctx, name, version, s) })
}

// ServerTraces iterates over every trace linked to any version of a server.
func (c *Client) ServerTraces(ctx context.Context, name string, s TraceSearch) iter.Seq2[wire.TraceLink, error] {
	return c.traces(s, func(s TraceSearch) (*wire.SearchTraces, error) { return c.SearchServerTraces(ctx, name, s) })
}

func (c *Client) traces(s TraceSearch, page func(TraceSearch) (*wire.SearchTraces, error)) iter.Seq2[wire.TraceLink, error] {
	return paginate(s.PageToken, func(token string) ([]wire.TraceLink, *string, error) {
		s.PageToken = token
		p, err := page(s)
		if err != nil {
			return nil, nil, err
		}
		return p.Traces, p.NextPageToken, nil
	})
}
