package mcpregistry

import (
	"context"
	"encoding/json"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func versionNotFound(name, version string) error {
	return mlflowerr.NotFound("MCP server version '%s' version '%s' not found", name, version)
}

// CreateVersion registers a version from its server.json, creating the
// server on first use. The checks run in MLflow's order so that a request
// with several problems reports the one MLflow would.
func (r *Registry) CreateVersion(ctx context.Context, a actor, name string, in CreateVersionInput) (*VersionView, error) {
	if err := checkSize("server_json", in.ServerJSON, maxServerJSONBytes); err != nil {
		return nil, err
	}
	if err := checkSize("tools", in.Tools, maxToolsBytes); err != nil {
		return nil, err
	}
	doc, tools, err := mcpspec.ValidateVersion(ctx, in.ServerJSON, in.Tools, r.icons, r.sjOpts)
	if err != nil {
		return nil, err
	}
	if err := ValidateServerName(doc.Name); err != nil {
		return nil, err
	}
	if err := ValidateServerName(name); err != nil {
		return nil, err
	}
	if doc.Name != name {
		return nil, mlflowerr.Invalid("server_json.name '%s' does not match path parameter '%s'", doc.Name, name)
	}
	status := DefaultStatus
	if in.Status != nil {
		if status, err = ParseStatus(*in.Status); err != nil {
			return nil, err
		}
	}
	if doc.Version == "" {
		return nil, mlflowerr.Invalid("server_json must contain 'name' and 'version' keys")
	}
	sv, err := ParseVersionField("server_json.version", doc.Version)
	if err != nil {
		return nil, err
	}
	if err := CheckInitialStatus(status); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		field string
		val   *string
		max   int
	}{{"name", &name, maxNameLen}, {"display_name", in.DisplayName, maxDisplayNameLen}, {"source", in.Source, maxSourceLen}} {
		if err := checkOptLen(c.field, c.val, c.max); err != nil {
			return nil, err
		}
	}
	var fromRemotes []Endpoint
	if in.CreateEndpointsFromRemotes {
		if status != StatusActive {
			return nil, mlflowerr.Invalid("create_access_endpoints_from_remotes requires status 'active', got '%s'", status)
		}
		if fromRemotes, err = endpointsFromRemotes(doc.Remotes); err != nil {
			return nil, err
		}
	}

	user := truncateUser(a.User)
	v := &Version{
		Workspace: a.Workspace, Name: name, Version: doc.Version,
		Major: int64(sv.Major()), Minor: int64(sv.Minor()), Patch: int64(sv.Patch()), PrereleaseSortKey: sv.SortKey(),
		ServerJSON: doc.Canonical, DisplayName: in.DisplayName, Status: status, Tools: tools, Source: in.Source,
		CreatedBy: user, LastUpdatedBy: user,
	}
	var view *VersionView
	err = r.write(ctx, a.Workspace, name, func(tx Tx) error {
		now := r.nowMillis() // under the lock: creation times follow commit order
		v.CreatedAt, v.LastUpdatedAt = now, now
		parent := &Server{Workspace: a.Workspace, Name: name, CreatedBy: user, LastUpdatedBy: user, CreatedAt: now, LastUpdatedAt: now}
		if _, err := tx.InsertServer(ctx, parent); err != nil {
			return err
		}
		if err := tx.InsertVersion(ctx, v); err != nil {
			if err == ErrDuplicate {
				return mlflowerr.AlreadyExists("MCP server version '%s' version '%s' already exists", name, doc.Version)
			}
			return err
		}
		for _, e := range fromRemotes {
			e.ID, e.Workspace, e.ServerName = r.newID(), a.Workspace, name
			e.ServerVersion = &v.Version
			e.CreatedBy, e.LastUpdatedBy, e.CreatedAt, e.LastUpdatedAt = user, user, now, now
			if err := tx.InsertEndpoint(ctx, &e); err != nil {
				return err
			}
		}
		view, err = tx.VersionView(ctx, a.Workspace, name, v.Version, false)
		return err
	})
	return view, err
}

// GetVersion returns a non-deleted version. The version string is taken
// literally: "latest" is only special under /aliases/.
func (r *Registry) GetVersion(ctx context.Context, a actor, name, version string) (*VersionView, error) {
	var view *VersionView
	err := r.read(ctx, func(tx Tx) error {
		var err error
		view, err = tx.VersionView(ctx, a.Workspace, name, version, false)
		return err
	})
	if err == nil && view == nil {
		err = versionNotFound(name, version)
	}
	return view, err
}

// GetVersionByAlias resolves an alias; "latest" is the computed latest.
func (r *Registry) GetVersionByAlias(ctx context.Context, a actor, name, alias string) (*VersionView, error) {
	var view *VersionView
	err := r.read(ctx, func(tx Tx) error {
		target, err := r.resolveAlias(ctx, tx, a.Workspace, name, alias)
		if err != nil {
			return err
		}
		view, err = tx.VersionView(ctx, a.Workspace, name, target, false)
		if err == nil && view == nil {
			err = versionNotFound(name, target)
		}
		return err
	})
	return view, err
}

// resolveAlias is the lenient resolution of GET /aliases/{alias}.
func (r *Registry) resolveAlias(ctx context.Context, tx Tx, ws, name, alias string) (string, error) {
	if alias == LatestAlias {
		if err := requireServer(ctx, tx, ws, name); err != nil {
			return "", err
		}
		latest, err := tx.Latest(ctx, ws, name)
		if err != nil {
			return "", err
		}
		if latest == nil {
			return "", mlflowerr.NotFound("No resolved latest version found for MCP server '%s'", name)
		}
		return latest.Version, nil
	}
	al, err := tx.Alias(ctx, ws, name, alias)
	if err != nil {
		return "", err
	}
	if al == nil {
		return "", mlflowerr.NotFound("Alias '%s' not found for MCP server '%s'", alias, name)
	}
	return al.Version, nil
}

// UpdateVersion changes display name, status (lifecycle-checked) and tools;
// server_json and source are immutable.
func (r *Registry) UpdateVersion(ctx context.Context, a actor, name, version string, p VersionPatch) (*VersionView, error) {
	var status Status
	if p.Status != nil {
		var err error
		if status, err = ParseStatus(*p.Status); err != nil {
			return nil, err
		}
	}
	if p.DisplayName.Set {
		if err := checkOptLen("display_name", p.DisplayName.Value, maxDisplayNameLen); err != nil {
			return nil, err
		}
	}
	var tools json.RawMessage
	if p.Tools.Set && p.Tools.Value != nil {
		if err := checkSize("tools", *p.Tools.Value, maxToolsBytes); err != nil {
			return nil, err
		}
		var err error
		if tools, err = r.parseTools(ctx, *p.Tools.Value); err != nil {
			return nil, err
		}
	}
	var view *VersionView
	err := r.write(ctx, a.Workspace, name, func(tx Tx) error {
		v, err := tx.Version(ctx, a.Workspace, name, version)
		if err != nil {
			return err
		}
		if v == nil || v.Status == StatusDeleted {
			return versionNotFound(name, version)
		}
		if p.Status != nil {
			if err := CheckTransition(v.Status, status); err != nil {
				return err
			}
			v.Status = status
		}
		if p.DisplayName.Set {
			v.DisplayName = p.DisplayName.Value
		}
		if p.Tools.Set {
			v.Tools = tools
		}
		v.LastUpdatedAt, v.LastUpdatedBy = r.nowMillis(), truncateUser(a.User)
		if err := tx.UpdateVersion(ctx, v); err != nil {
			return err
		}
		if p.Status != nil {
			if err := purgeLatestEndpoints(ctx, tx, a.Workspace, name); err != nil {
				return err
			}
		}
		// A PATCH to "deleted" keeps aliases and endpoints (only DELETE cleans
		// up, as in MLflow), and answers with the now-deleted version.
		view, err = tx.VersionView(ctx, a.Workspace, name, version, true)
		return err
	})
	return view, err
}

// DeleteVersion soft-deletes a draft or deprecated version, removing in the
// same transaction the aliases that point at it and every endpoint that
// targets it directly, through those aliases, or through "latest" when
// nothing is left to resolve. The version string stays taken.
func (r *Registry) DeleteVersion(ctx context.Context, a actor, name, version string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		v, err := tx.Version(ctx, a.Workspace, name, version)
		if err != nil {
			return err
		}
		if v == nil {
			return versionNotFound(name, version)
		}
		return r.softDelete(ctx, tx, v)
	})
}

// softDelete is DeleteVersion inside the caller's write transaction (the
// official API's status change to "deleted" shares it).
func (r *Registry) softDelete(ctx context.Context, tx Tx, v *Version) error {
	ws, name, version := v.Workspace, v.Name, v.Version
	aliases, err := tx.AliasesTo(ctx, ws, name, version)
	if err != nil {
		return err
	}
	if len(aliases) > 0 {
		if _, err := tx.DeleteEndpointsByAlias(ctx, ws, name, aliases...); err != nil {
			return err
		}
		for _, al := range aliases {
			if _, err := tx.DeleteAlias(ctx, ws, name, al); err != nil {
				return err
			}
		}
	}
	if _, err := tx.DeleteEndpointsByVersion(ctx, ws, name, version); err != nil {
		return err
	}
	if err := CheckTransition(v.Status, StatusDeleted); err != nil {
		return err
	}
	// MLflow's soft delete bumps last_updated_at but not last_updated_by.
	v.Status, v.LastUpdatedAt = StatusDeleted, r.nowMillis()
	if err := tx.UpdateVersion(ctx, v); err != nil {
		return err
	}
	return purgeLatestEndpoints(ctx, tx, ws, name)
}

// purgeLatestEndpoints deletes endpoints on "latest" once nothing resolves.
func purgeLatestEndpoints(ctx context.Context, tx Tx, ws, name string) error {
	latest, err := tx.Latest(ctx, ws, name)
	if err != nil || latest != nil {
		return err
	}
	_, err = tx.DeleteEndpointsByAlias(ctx, ws, name, LatestAlias)
	return err
}

func (r *Registry) parseTools(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	return mcpspec.CanonicalTools(ctx, raw, "tools", r.icons)
}
