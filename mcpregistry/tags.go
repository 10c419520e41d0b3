package mcpregistry

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func checkTag(t Tag) error {
	if err := checkLen("key", t.Key, maxTagKeyLen); err != nil {
		return err
	}
	return checkOptLen("value", t.Value, maxTagValueLen)
}

// SetServerTag upserts a server tag. Tag writes do not bump the server's
// last_updated_at (MLflow's behaviour).
func (r *Registry) SetServerTag(ctx context.Context, a actor, name string, t Tag) error {
	if err := checkTag(t); err != nil {
		return err
	}
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if err := requireServer(ctx, tx, a.Workspace, name); err != nil {
			return err
		}
		return tx.SetServerTag(ctx, a.Workspace, name, t)
	})
}

// DeleteServerTag deletes a server tag.
func (r *Registry) DeleteServerTag(ctx context.Context, a actor, name, key string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if err := requireServer(ctx, tx, a.Workspace, name); err != nil {
			return err
		}
		ok, err := tx.DeleteServerTag(ctx, a.Workspace, name, key)
		if err == nil && !ok {
			err = mlflowerr.NotFound("Tag '%s' not found on MCP server '%s'", key, name)
		}
		return err
	})
}

// liveVersion returns the version unless it is missing or deleted.
func liveVersion(ctx context.Context, tx Tx, ws, name, version string) (*Version, error) {
	v, err := tx.Version(ctx, ws, name, version)
	if err != nil {
		return nil, err
	}
	if v == nil || v.Status == StatusDeleted {
		return nil, versionNotFound(name, version)
	}
	return v, nil
}

// SetVersionTag upserts a tag on a non-deleted version.
func (r *Registry) SetVersionTag(ctx context.Context, a actor, name, version string, t Tag) error {
	if err := checkTag(t); err != nil {
		return err
	}
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if _, err := liveVersion(ctx, tx, a.Workspace, name, version); err != nil {
			return err
		}
		return tx.SetVersionTag(ctx, a.Workspace, name, version, t)
	})
}

// DeleteVersionTag deletes a tag of a non-deleted version.
func (r *Registry) DeleteVersionTag(ctx context.Context, a actor, name, version, key string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if _, err := liveVersion(ctx, tx, a.Workspace, name, version); err != nil {
			return err
		}
		ok, err := tx.DeleteVersionTag(ctx, a.Workspace, name, version, key)
		if err == nil && !ok {
			err = mlflowerr.NotFound("Tag '%s' not found on MCP server version '%s' version '%s'", key, name, version)
		}
		return err
	})
}
