package mcpregistry

import (
	"context"
	"encoding/json"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func serverNotFound(name string) error { return mlflowerr.NotFound("MCP server '%s' not found", name) }

// CreateServer registers an empty server (versions are added separately).
func (r *Registry) CreateServer(ctx context.Context, a actor, in CreateServerInput) (*ServerView, error) {
	icons, err := r.parseIcons(ctx, in.Icons, "icons")
	if err != nil {
		return nil, err
	}
	if err := ValidateServerName(in.Name); err != nil {
		return nil, err
	}
	if err := checkLen("name", in.Name, maxNameLen); err != nil {
		return nil, err
	}
	user := truncateUser(a.User)
	s := &Server{
		Workspace: a.Workspace, Name: in.Name, Description: in.Description, Icons: icons,
		CreatedBy: user, LastUpdatedBy: user,
	}
	var view *ServerView
	err = r.write(ctx, a.Workspace, in.Name, func(tx Tx) error {
		// Read the clock under the server's lock, so creation times follow
		// commit order and keyset pages on created_at miss nothing.
		s.CreatedAt = r.nowMillis()
		s.LastUpdatedAt = s.CreatedAt
		ok, err := tx.InsertServer(ctx, s)
		if err != nil {
			return err
		}
		if !ok {
			return mlflowerr.AlreadyExists("MCP server with name '%s' already exists", in.Name)
		}
		view, err = tx.ServerView(ctx, a.Workspace, in.Name)
		return err
	})
	return view, err
}

// GetServer returns one server with its derived fields.
func (r *Registry) GetServer(ctx context.Context, a actor, name string) (*ServerView, error) {
	var view *ServerView
	err := r.read(ctx, func(tx Tx) error {
		var err error
		view, err = tx.ServerView(ctx, a.Workspace, name)
		return err
	})
	if err == nil && view == nil {
		err = serverNotFound(name)
	}
	return view, err
}

// UpdateServer applies a merge patch. An empty patch still bumps
// last_updated_at/by, as MLflow does.
func (r *Registry) UpdateServer(ctx context.Context, a actor, name string, p ServerPatch) (*ServerView, error) {
	if p.DisplayName.Set {
		if err := checkOptLen("display_name", p.DisplayName.Value, maxDisplayNameLen); err != nil {
			return nil, err
		}
	}
	var icons json.RawMessage
	if p.Icons.Set && p.Icons.Value != nil {
		var err error
		if icons, err = r.parseIcons(ctx, *p.Icons.Value, "icons"); err != nil {
			return nil, err
		}
	}
	var view *ServerView
	err := r.write(ctx, a.Workspace, name, func(tx Tx) error {
		s, err := tx.Server(ctx, a.Workspace, name)
		if err != nil {
			return err
		}
		if s == nil {
			return serverNotFound(name)
		}
		if p.DisplayName.Set {
			s.DisplayName = p.DisplayName.Value
		}
		if p.Description.Set {
			s.Description = p.Description.Value
		}
		if p.Icons.Set {
			s.Icons = icons // nil for JSON null: the column becomes NULL
		}
		s.LastUpdatedAt, s.LastUpdatedBy = r.nowMillis(), truncateUser(a.User)
		if err := tx.UpdateServer(ctx, s); err != nil {
			return err
		}
		view, err = tx.ServerView(ctx, a.Workspace, name)
		return err
	})
	return view, err
}

// DeleteServer removes the server and everything under it, refused while any
// version is active (deprecate or unpublish it first).
func (r *Registry) DeleteServer(ctx context.Context, a actor, name string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if err := requireServer(ctx, tx, a.Workspace, name); err != nil {
			return err
		}
		active, err := tx.ActiveVersion(ctx, a.Workspace, name)
		if err != nil {
			return err
		}
		if active != nil {
			return mlflowerr.Invalid("Cannot delete MCP server '%s' while it still has an active version ('%s'). "+
				"Delete or deactivate the active version first.", name, *active)
		}
		return tx.DeleteServer(ctx, a.Workspace, name)
	})
}

// parseIcons validates an icon list and returns its canonical JSON; nil for
// an absent or null list.
func (r *Registry) parseIcons(ctx context.Context, raw json.RawMessage, loc string) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	return mcpspec.CanonicalIcons(ctx, raw, loc, r.icons)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// requireServer is the existence check most operations start with.
func requireServer(ctx context.Context, tx Tx, ws, name string) error {
	s, err := tx.Server(ctx, ws, name)
	if err == nil && s == nil {
		err = serverNotFound(name)
	}
	return err
}
