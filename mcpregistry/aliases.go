package mcpregistry

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// LatestAlias is the reserved alias that always resolves to the latest
// version (LatestOrder); it is computed, never stored as an alias row.
const LatestAlias = "latest"

// SetAlias points alias at a version (upsert). Endpoints that target the
// alias follow it. Draft and deprecated targets are allowed; deleted are not.
func (r *Registry) SetAlias(ctx context.Context, a actor, name, alias, version string) error {
	if alias == LatestAlias {
		return mlflowerr.Invalid("The alias name 'latest' is reserved for automatic resolution")
	}
	if err := checkLen("alias", alias, maxAliasLen); err != nil {
		return err
	}
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if err := requireServer(ctx, tx, a.Workspace, name); err != nil {
			return err
		}
		v, err := tx.Version(ctx, a.Workspace, name, version)
		if err != nil {
			return err
		}
		if v == nil {
			return versionNotFound(name, version)
		}
		if v.Status == StatusDeleted {
			return mlflowerr.Invalid("Cannot set alias '%s' to deleted MCP server version '%s' version '%s'", alias, name, version)
		}
		return tx.SetAlias(ctx, a.Workspace, name, Alias{Alias: alias, Version: version})
	})
}

// DeleteAlias removes an alias and, in the same transaction, every endpoint
// that targets it.
func (r *Registry) DeleteAlias(ctx context.Context, a actor, name, alias string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		al, err := tx.Alias(ctx, a.Workspace, name, alias)
		if err != nil {
			return err
		}
		if al == nil {
			return mlflowerr.NotFound("Alias '%s' not found on MCP server '%s'", alias, name)
		}
		if _, err := tx.DeleteEndpointsByAlias(ctx, a.Workspace, name, alias); err != nil {
			return err
		}
		_, err = tx.DeleteAlias(ctx, a.Workspace, name, alias)
		return err
	})
}

// resolveTarget is the strict resolution used when an endpoint is created or
// retargeted: the target must resolve to a live version now.
func resolveTarget(ctx context.Context, tx Tx, ws, name string, version, alias *string, verb string) error {
	if version != nil {
		v, err := tx.Version(ctx, ws, name, *version)
		if err != nil {
			return err
		}
		if v == nil {
			return versionNotFound(name, *version)
		}
		if v.Status == StatusDeleted {
			return mlflowerr.Invalid("Cannot %s MCP access endpoint to deleted MCP server version '%s' version '%s'", verb, name, *version)
		}
		return nil
	}
	if *alias == LatestAlias {
		latest, err := tx.Latest(ctx, ws, name)
		if err != nil {
			return err
		}
		if latest == nil {
			return mlflowerr.NotFound("No resolved latest version found for MCP server '%s'", name)
		}
		return nil
	}
	al, err := tx.Alias(ctx, ws, name, *alias)
	if err != nil {
		return err
	}
	if al == nil {
		return mlflowerr.NotFound("Alias '%s' not found for MCP server '%s'", *alias, name)
	}
	v, err := tx.Version(ctx, ws, name, al.Version)
	if err != nil {
		return err
	}
	if v == nil {
		return mlflowerr.Invalid("Alias '%s' for MCP server '%s' points to missing version '%s'", *alias, name, al.Version)
	}
	if v.Status == StatusDeleted {
		return mlflowerr.Invalid("Alias '%s' for MCP server '%s' points to deleted version '%s'", *alias, name, al.Version)
	}
	return nil
}
