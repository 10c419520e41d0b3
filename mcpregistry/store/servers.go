package store

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

const selectServer = "SELECT " + serverCols + " FROM mcp_servers s WHERE s.workspace = $1 AND s.name = $2"

func (t *tx) Server(ctx context.Context, ws, name string) (*mcpregistry.Server, error) {
	if t.auto != nil {
		return t.probeServer(ctx, ws, name)
	}
	if err := t.lookup(); err != nil {
		return nil, err
	}
	var r serverScan
	found, err := queryOne(ctx, t.q, selectServer, []any{ws, name}, r.dest()...)
	if !found {
		return nil, err
	}
	s := r.server()
	return &s, nil
}

// ON CONFLICT DO NOTHING, not a caught unique violation: concurrent
// registrations of a new server's first versions all "create" the parent,
// and on PostgreSQL a failed INSERT would abort the caller's transaction.
const insertServer = `INSERT INTO mcp_servers (workspace, name, display_name, description, icons, created_by,
	last_updated_by, created_at, last_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
	ON CONFLICT (workspace, name) DO NOTHING`

func (t *tx) InsertServer(ctx context.Context, s *mcpregistry.Server) (bool, error) {
	if err := t.change(); err != nil {
		return false, err
	}
	n, err := t.q.Exec(ctx, insertServer, s.Workspace, s.Name, s.DisplayName, s.Description, jsonString(s.Icons),
		s.CreatedBy, s.LastUpdatedBy, s.CreatedAt, s.LastUpdatedAt)
	return n == 1, err
}

const updateServer = `UPDATE mcp_servers SET display_name = $3, description = $4, icons = $5, last_updated_by = $6,
	last_updated_at = $7 WHERE workspace = $1 AND name = $2`

func (t *tx) UpdateServer(ctx context.Context, s *mcpregistry.Server) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, updateServer, s.Workspace, s.Name, s.DisplayName, s.Description, jsonString(s.Icons),
		s.LastUpdatedBy, s.LastUpdatedAt)
	return err
}

func (t *tx) DeleteServer(ctx context.Context, ws, name string) error {
	if err := t.change(); err != nil {
		return err
	}
	// The foreign keys cascade (SQLite connections run foreign_keys=ON).
	_, err := t.q.Exec(ctx, "DELETE FROM mcp_servers WHERE workspace = $1 AND name = $2", ws, name)
	return err
}

const upsertServerTag = `INSERT INTO mcp_server_tags (workspace, name, "key", value) VALUES ($1, $2, $3, $4)
	ON CONFLICT (workspace, name, "key") DO UPDATE SET value = excluded.value`

func (t *tx) SetServerTag(ctx context.Context, ws, name string, tag mcpregistry.Tag) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, upsertServerTag, ws, name, tag.Key, tag.Value)
	return err
}

func (t *tx) DeleteServerTag(ctx context.Context, ws, name, key string) (bool, error) {
	if err := t.change(); err != nil {
		return false, err
	}
	n, err := t.q.Exec(ctx, `DELETE FROM mcp_server_tags WHERE workspace = $1 AND name = $2 AND "key" = $3`, ws, name, key)
	return n > 0, err
}
