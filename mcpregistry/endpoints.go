package mcpregistry

import (
	"context"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func endpointNotFound(id string) error {
	return mlflowerr.NotFound("MCPAccessEndpoint %s not found", id)
}

// ownEndpoint loads an endpoint by id and checks that it belongs to the
// caller's workspace and to the server in the path; an id from elsewhere is
// indistinguishable from a missing one.
func ownEndpoint(ctx context.Context, tx Tx, ws, name, id string) (*Endpoint, error) {
	e, err := tx.Endpoint(ctx, id)
	if err != nil {
		return nil, err
	}
	if e == nil || e.Workspace != ws {
		return nil, endpointNotFound(id)
	}
	if e.ServerName != name {
		return nil, mlflowerr.NotFound("MCPAccessEndpoint %s does not belong to server '%s'", id, name)
	}
	return e, nil
}

func checkTarget(version, alias *string) error {
	if (version == nil) == (alias == nil) {
		return mlflowerr.Invalid("Exactly one of server_version or server_alias must be provided")
	}
	return nil
}

// CreateEndpoint approves a URL where a version (or whatever an alias
// resolves to) can be reached.
func (r *Registry) CreateEndpoint(ctx context.Context, a actor, name string, in CreateEndpointInput) (*EndpointView, error) {
	if err := CheckEndpointURL(in.URL); err != nil {
		return nil, err
	}
	transport := DefaultTransportType
	if in.TransportType != nil {
		var err error
		if transport, err = ParseTransportType(*in.TransportType); err != nil {
			return nil, err
		}
	}
	if err := checkTarget(in.ServerVersion, in.ServerAlias); err != nil {
		return nil, err
	}
	if err := checkOptLen("server_alias", in.ServerAlias, maxAliasLen); err != nil {
		return nil, err
	}
	user := truncateUser(a.User)
	e := &Endpoint{
		ID: r.newID(), Workspace: a.Workspace, ServerName: name, ServerVersion: in.ServerVersion, ServerAlias: in.ServerAlias,
		URL: in.URL, TransportType: transport, CreatedBy: user, LastUpdatedBy: user,
	}
	var view *EndpointView
	err := r.write(ctx, a.Workspace, name, func(tx Tx) error {
		e.CreatedAt = r.nowMillis() // under the lock: creation times follow commit order
		e.LastUpdatedAt = e.CreatedAt
		err := requireServer(ctx, tx, a.Workspace, name)
		if err != nil {
			return err
		}
		if err := resolveTarget(ctx, tx, a.Workspace, name, e.ServerVersion, e.ServerAlias, "create"); err != nil {
			return err
		}
		if err := tx.InsertEndpoint(ctx, e); err != nil {
			return err
		}
		view, err = tx.EndpointView(ctx, e.ID)
		return err
	})
	return view, err
}

// GetEndpoint returns an endpoint whose target resolves now.
func (r *Registry) GetEndpoint(ctx context.Context, a actor, name, id string) (*EndpointView, error) {
	var view *EndpointView
	err := r.read(ctx, func(tx Tx) error {
		if _, err := ownEndpoint(ctx, tx, a.Workspace, name, id); err != nil {
			return err
		}
		var err error
		view, err = tx.EndpointView(ctx, id)
		if err == nil && view == nil {
			err = endpointNotFound(id)
		}
		return err
	})
	return view, err
}

// UpdateEndpoint changes URL, transport or target. Setting one target clears
// the other; nulls leave fields unchanged, except url, which may not be null.
func (r *Registry) UpdateEndpoint(ctx context.Context, a actor, name, id string, p EndpointPatch) (*EndpointView, error) {
	if p.ServerVersion != nil && p.ServerAlias != nil {
		return nil, mlflowerr.Invalid("Cannot set both server_version and server_alias in a single update")
	}
	if p.URL.Set {
		if p.URL.Value == nil {
			return nil, mlflowerr.Invalid("MCP access endpoint url cannot be None")
		}
		if err := CheckEndpointURL(*p.URL.Value); err != nil {
			return nil, err
		}
	}
	var transport TransportType
	if p.TransportType != nil {
		var err error
		if transport, err = ParseTransportType(*p.TransportType); err != nil {
			return nil, err
		}
	}
	if err := checkOptLen("server_alias", p.ServerAlias, maxAliasLen); err != nil {
		return nil, err
	}
	var view *EndpointView
	err := r.write(ctx, a.Workspace, name, func(tx Tx) error {
		e, err := ownEndpoint(ctx, tx, a.Workspace, name, id)
		if err != nil {
			return err
		}
		if p.ServerVersion != nil || p.ServerAlias != nil {
			if err := resolveTarget(ctx, tx, a.Workspace, name, p.ServerVersion, p.ServerAlias, "update"); err != nil {
				return err
			}
			e.ServerVersion, e.ServerAlias = p.ServerVersion, p.ServerAlias
		}
		if p.URL.Set {
			e.URL = *p.URL.Value
		}
		if p.TransportType != nil {
			e.TransportType = transport
		}
		e.LastUpdatedAt, e.LastUpdatedBy = r.nowMillis(), truncateUser(a.User)
		if err := tx.UpdateEndpoint(ctx, e); err != nil {
			return err
		}
		if view, err = tx.EndpointView(ctx, id); err != nil || view != nil {
			return err
		}
		// The endpoint was only edited, not retargeted, and its target no
		// longer resolves (e.g. "latest" on a server whose versions are all
		// deleted): answer with what was stored and no resolved version.
		view = &EndpointView{Endpoint: *e}
		return nil
	})
	return view, err
}

// DeleteEndpoint removes an endpoint.
func (r *Registry) DeleteEndpoint(ctx context.Context, a actor, name, id string) error {
	return r.write(ctx, a.Workspace, name, func(tx Tx) error {
		if _, err := ownEndpoint(ctx, tx, a.Workspace, name, id); err != nil {
			return err
		}
		return tx.DeleteEndpoint(ctx, id)
	})
}

// endpointsFromRemotes turns server.json remotes into endpoint drafts: one
// per remote whose URL is concrete (no "{variable}" left to fill in).
func endpointsFromRemotes(remotes []mcpspec.Remote) ([]Endpoint, error) {
	var out []Endpoint
	for i, rm := range remotes {
		if rm.URL == "" || hasTemplateVariable(rm.URL) {
			continue
		}
		transport := DefaultTransportType
		if rm.Type != "" {
			t, err := ParseTransportType(rm.Type)
			if err != nil {
				continue // e.g. a stdio-only remote type: nothing to reach over HTTP
			}
			transport = t
		}
		if err := CheckEndpointURL(rm.URL); err != nil {
			return nil, mlflowerr.Invalid("server_json.remotes.%s.url: %s", strconv.Itoa(i), err.Error())
		}
		out = append(out, Endpoint{URL: rm.URL, TransportType: transport})
	}
	return out, nil
}

func hasTemplateVariable(u string) bool {
	for i := 0; i < len(u); i++ {
		if u[i] == '{' {
			return true
		}
	}
	return false
}
