package mcpregistry

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
)

// checkFilterVersion validates the operand of a SemVer comparison in a
// version filter (search cannot import this package).
func checkFilterVersion(v string) error {
	_, err := ParseVersionField(VersionFieldFilter, v)
	return err
}

// query validates a search request into a Query and the fingerprint its
// page tokens are bound to.
func query(res search.Resource, ws, scopeName string, req SearchRequest, params map[string]string) (Query, search.Fingerprint, error) {
	limit := search.DefaultMaxResults
	if req.MaxResults != nil {
		if err := search.CheckMaxResults(res, *req.MaxResults); err != nil {
			return Query{}, search.Fingerprint{}, err
		}
		limit = *req.MaxResults
	}
	filter, err := search.ParseFilter(res, req.Filter, checkFilterVersion)
	if err != nil {
		return Query{}, search.Fingerprint{}, err
	}
	order, err := search.ParseOrderBy(res, req.OrderBy)
	if err != nil {
		return Query{}, search.Fingerprint{}, err
	}
	fp := search.Fingerprint{Resource: res, Workspace: ws, Scope: scopeName, Filter: filter, Order: order, Params: params}
	after, err := search.DecodeToken(req.PageToken, fp)
	if err != nil {
		return Query{}, search.Fingerprint{}, err
	}
	return Query{Filter: filter, Order: order, Limit: limit, After: after}, fp, nil
}

func nextToken(fp search.Fingerprint, next []search.Value) (*string, error) {
	if next == nil {
		return nil, nil
	}
	tok, err := search.EncodeToken(fp, next)
	if err != nil {
		return nil, err
	}
	return &tok, nil
}

// SearchServers lists the workspace's servers.
func (r *Registry) SearchServers(ctx context.Context, a actor, req SearchRequest) (*Page[ServerView], error) {
	q, fp, err := query(search.Servers, a.Workspace, "", req, nil)
	if err != nil {
		return nil, err
	}
	var page Page[ServerView]
	var next []search.Value
	err = r.read(ctx, func(tx Tx) error {
		var err error
		page.Items, next, err = tx.SearchServers(ctx, a.Workspace, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	page.NextPageToken, err = nextToken(fp, next)
	return &page, err
}

// SearchVersions lists the non-deleted versions of one server.
func (r *Registry) SearchVersions(ctx context.Context, a actor, name string, req SearchRequest) (*Page[VersionView], error) {
	q, fp, err := query(search.Versions, a.Workspace, name, req, nil)
	if err != nil {
		return nil, err
	}
	var page Page[VersionView]
	var next []search.Value
	err = r.read(ctx, func(tx Tx) error {
		if err := requireServer(ctx, tx, a.Workspace, name); err != nil {
			return err
		}
		page.Items, next, err = tx.SearchVersions(ctx, a.Workspace, name, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	page.NextPageToken, err = nextToken(fp, next)
	return &page, err
}

// SearchEndpoints lists resolvable endpoints of the workspace (server nil)
// or of one server, optionally only those on one version or alias.
func (r *Registry) SearchEndpoints(ctx context.Context, a actor, server *string, req EndpointSearchRequest) (*Page[EndpointView], error) {
	params := map[string]string{}
	if req.ServerVersion != nil {
		params["server_version"] = *req.ServerVersion
	}
	if req.ServerAlias != nil {
		params["server_alias"] = *req.ServerAlias
	}
	scopeName := ""
	if server != nil {
		scopeName = *server
	}
	q, fp, err := query(search.Endpoints, a.Workspace, scopeName, req.SearchRequest, params)
	if err != nil {
		return nil, err
	}
	eq := EndpointQuery{Query: q, ServerName: server, ServerVersion: req.ServerVersion, ServerAlias: req.ServerAlias}
	var page Page[EndpointView]
	var next []search.Value
	err = r.read(ctx, func(tx Tx) error {
		if server != nil {
			if err := requireServer(ctx, tx, a.Workspace, *server); err != nil {
				return err
			}
		}
		var err error
		page.Items, next, err = tx.SearchEndpoints(ctx, a.Workspace, eq)
		return err
	})
	if err != nil {
		return nil, err
	}
	page.NextPageToken, err = nextToken(fp, next)
	return &page, err
}
