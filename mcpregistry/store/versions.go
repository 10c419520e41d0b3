package store

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

func (t *tx) Version(ctx context.Context, ws, name, version string) (*mcpregistry.Version, error) {
	if err := t.lookup(); err != nil {
		return nil, err
	}
	var r versionScan
	found, err := queryOne(ctx, t.q, "SELECT "+versionCols("v")+
		" FROM mcp_server_versions v WHERE v.workspace = $1 AND v.name = $2 AND v.version = $3",
		[]any{ws, name, version}, r.dest()...)
	if !found {
		return nil, err
	}
	v := r.version()
	return &v, nil
}

const insertVersion = `INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor,
	version_patch, version_prerelease_sort_key, server_json, display_name, status, tools, source, created_by,
	last_updated_by, created_at, last_updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
	ON CONFLICT (workspace, name, version) DO NOTHING`

func (t *tx) InsertVersion(ctx context.Context, v *mcpregistry.Version) error {
	if err := t.change(); err != nil {
		return err
	}
	n, err := t.q.Exec(ctx, insertVersion, v.Workspace, v.Name, v.Version, v.Major, v.Minor, v.Patch,
		v.PrereleaseSortKey, string(v.ServerJSON), v.DisplayName, string(v.Status), jsonString(v.Tools), v.Source,
		v.CreatedBy, v.LastUpdatedBy, v.CreatedAt, v.LastUpdatedAt)
	if err == nil && n == 0 {
		err = mcpregistry.ErrDuplicate
	}
	return err
}

// server_json and source are immutable, and the SemVer columns follow from
// the version string, so an update touches only the mutable columns.
const updateVersion = `UPDATE mcp_server_versions SET display_name = $4, status = $5, tools = $6,
	last_updated_by = $7, last_updated_at = $8 WHERE workspace = $1 AND name = $2 AND version = $3`

func (t *tx) UpdateVersion(ctx context.Context, v *mcpregistry.Version) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, updateVersion, v.Workspace, v.Name, v.Version, v.DisplayName, string(v.Status),
		jsonString(v.Tools), v.LastUpdatedBy, v.LastUpdatedAt)
	return err
}

// Latest is one statement, a complete answer, so it may run in autocommit.
func (t *tx) Latest(ctx context.Context, ws, name string) (*mcpregistry.Version, error) {
	if t.auto != nil {
		if v, ok := t.auto.latest[serverKey{ws, name}]; ok {
			return v, nil
		}
	}
	if err := t.view(); err != nil {
		return nil, err
	}
	var r versionScan
	found, err := queryOne(ctx, t.q, t.stmts().latest, []any{ws, name}, r.dest()...)
	if !found {
		return nil, err
	}
	v := r.version()
	return &v, nil
}

// ActiveVersion names the active version a server delete is refused for:
// the highest, by the latest rule restricted to active rows.
func (t *tx) ActiveVersion(ctx context.Context, ws, name string) (*string, error) {
	if err := t.lookup(); err != nil {
		return nil, err
	}
	var version string
	found, err := queryOne(ctx, t.q, t.stmts().activeVersion, []any{ws, name}, &version)
	if !found {
		return nil, err
	}
	return &version, nil
}

const upsertVersionTag = `INSERT INTO mcp_server_version_tags (workspace, name, version, "key", value)
	VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace, name, version, "key") DO UPDATE SET value = excluded.value`

func (t *tx) SetVersionTag(ctx context.Context, ws, name, version string, tag mcpregistry.Tag) error {
	if err := t.change(); err != nil {
		return err
	}
	_, err := t.q.Exec(ctx, upsertVersionTag, ws, name, version, tag.Key, tag.Value)
	return err
}

func (t *tx) DeleteVersionTag(ctx context.Context, ws, name, version, key string) (bool, error) {
	if err := t.change(); err != nil {
		return false, err
	}
	n, err := t.q.Exec(ctx, `DELETE FROM mcp_server_version_tags
		WHERE workspace = $1 AND name = $2 AND version = $3 AND "key" = $4`, ws, name, version, key)
	return n > 0, err
}
