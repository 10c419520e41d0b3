package store

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

func (t *tx) Alias(ctx context.Context, ws, name, alias string) (*mcpregistry.Alias, error) {
	if t.auto != nil {
		return t.probeAlias(ctx, ws, name, alias)
	}
	if err := t.lookup(); err != nil {
		return nil, err
	}
	a := mcpregistry.Alias{Alias: alias}
	found, err := queryOne(ctx, t.q, "SELECT version FROM mcp_server_aliases WHERE workspace = $1 AND name = $2 AND alias = $3",
		[]any{ws, name, alias}, &a.Version)
	if !found {
		return nil, err
	}
	return &a, nil
}

const upsertAlias = `INSERT INTO mcp_server_aliases (workspace, name, alias, version) VALUES ($1, $2, $3, $4)
	ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version`

func (t *tx) SetAlias(ctx context.Context, ws, name string, a mcpregistry.Alias) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, upsertAlias, ws, name, a.Alias, a.Version)
	return err
}

func (t *tx) DeleteAlias(ctx context.Context, ws, name, alias string) (bool, error) {
	if err := t.change(); err != nil {
		return false, err
	}
	n, err := t.q.Exec(ctx, "DELETE FROM mcp_server_aliases WHERE workspace = $1 AND name = $2 AND alias = $3", ws, name, alias)
	return n > 0, err
}

func (t *tx) AliasesTo(ctx context.Context, ws, name, version string) ([]string, error) {
	if err := t.lookup(); err != nil {
		return nil, err
	}
	rows, err := t.q.Query(ctx, "SELECT alias FROM mcp_server_aliases WHERE workspace = $1 AND name = $2 AND version = $3 "+
		"ORDER BY alias", ws, name, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t *tx) Endpoint(ctx context.Context, id string) (*mcpregistry.Endpoint, error) {
	if t.auto != nil {
		return t.probeEndpoint(ctx, id)
	}
	if err := t.lookup(); err != nil {
		return nil, err
	}
	var r endpointScan
	found, err := queryOne(ctx, t.q, "SELECT "+endpointCols+" FROM mcp_access_endpoints e WHERE e.id = $1",
		[]any{id}, r.dest()...)
	if !found {
		return nil, err
	}
	e := r.endpoint()
	return &e, nil
}

const insertEndpoint = `INSERT INTO mcp_access_endpoints (id, workspace, server_name, server_version, server_alias,
	url, transport_type, created_by, last_updated_by, created_at, last_updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`

func (t *tx) InsertEndpoint(ctx context.Context, e *mcpregistry.Endpoint) error {
	if err := t.change(); err != nil {
		return err
	}
	n, err := t.q.Exec(ctx, insertEndpoint, e.ID, e.Workspace, e.ServerName, e.ServerVersion, e.ServerAlias, e.URL,
		string(e.TransportType), e.CreatedBy, e.LastUpdatedBy, e.CreatedAt, e.LastUpdatedAt)
	if err == nil && n == 0 {
		err = mcpregistry.ErrDuplicate
	}
	return err
}

// The endpoint's workspace and server never change: ids are looked up
// within them (ownEndpoint) and the row stays where it was created.
const updateEndpoint = `UPDATE mcp_access_endpoints SET server_version = $2, server_alias = $3, url = $4,
	transport_type = $5, last_updated_by = $6, last_updated_at = $7 WHERE id = $1`

func (t *tx) UpdateEndpoint(ctx context.Context, e *mcpregistry.Endpoint) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, updateEndpoint, e.ID, e.ServerVersion, e.ServerAlias, e.URL, string(e.TransportType),
		e.LastUpdatedBy, e.LastUpdatedAt)
	return err
}

func (t *tx) DeleteEndpoint(ctx context.Context, id string) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, "DELETE FROM mcp_access_endpoints WHERE id = $1", id)
	return err
}

func (t *tx) DeleteEndpointsByAlias(ctx context.Context, ws, name string, aliases ...string) (int64, error) {
	if err := t.change(); err != nil {
		return 0, err
	}
	b := newBuilder(t.dialect())
	b.sql("DELETE FROM mcp_access_endpoints WHERE workspace = ", b.arg(ws), " AND server_name = ", b.arg(name),
		" AND ", inList(b, "server_alias", aliases))
	return t.q.Exec(ctx, b.String(), b.args...)
}

func (t *tx) DeleteEndpointsByVersion(ctx context.Context, ws, name, version string) (int64, error) {
	if err := t.change(); err != nil {
		return 0, err
	}
	return t.q.Exec(ctx, "DELETE FROM mcp_access_endpoints WHERE workspace = $1 AND server_name = $2 AND server_version = $3",
		ws, name, version)
}
