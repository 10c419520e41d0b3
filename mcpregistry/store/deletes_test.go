package store_test

import (
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// TestDeleteVersion: a soft delete removes, in one transaction, the aliases
// on the version, the endpoints on those aliases, the endpoints on the
// version, and the "latest" endpoints once nothing resolves.
func TestDeleteVersion(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/files"
		e.mustRegister(name, "1.0.0", "active")
		e.mustRegister(name, "2.0.0", "")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.0.0"))
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "stable", "1.0.0"))
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "next", "2.0.0"))
		e.must(e.reg.SetVersionTag(e.ctx, e.alice, name, "1.0.0", mcpregistry.Tag{Key: "k", Value: ptr("v")}))
		onVersion := e.endpoint(name, ptr("1.0.0"), nil)
		onProd := e.endpoint(name, nil, ptr("prod"))
		onNext := e.endpoint(name, nil, ptr("next"))
		onOther := e.endpoint(name, ptr("2.0.0"), nil)
		onLatest := e.endpoint(name, nil, ptr("latest"))
		stored := func(id string) bool { return e.count("mcp_access_endpoints", "id = $1", id) == 1 }

		// An active version cannot be deleted, and the refusal rolls back
		// the cleanup that ran before the transition check.
		err := e.reg.DeleteVersion(e.ctx, e.alice, name, "1.0.0")
		wantErr(t, err, mlflowerr.ErrInvalid, "Invalid status transition from 'active' to 'deleted'. Allowed transitions: ['deprecated', 'draft']")
		if !stored(onVersion.ID) || !stored(onProd.ID) || e.count("mcp_server_aliases", "name = $1", name) != 3 {
			t.Fatal("a refused delete removed aliases or endpoints")
		}

		bob := scope.Scope{Workspace: "default", User: ptr("bob")}
		e.setStatus(name, "1.0.0", "deprecated")
		e.at(t0 + 500)
		e.must(e.reg.DeleteVersion(e.ctx, bob, name, "1.0.0"))
		for _, c := range []struct {
			id   string
			kept bool
		}{{onVersion.ID, false}, {onProd.ID, false}, {onNext.ID, true}, {onOther.ID, true}, {onLatest.ID, true}} {
			if stored(c.id) != c.kept {
				t.Errorf("endpoint %s stored = %v, want %v", c.id, !c.kept, c.kept)
			}
		}
		if n := e.count("mcp_server_aliases", "name = $1", name); n != 1 {
			t.Errorf("%d aliases left, want only next", n)
		}
		var status string
		var updatedAt int64
		var updatedBy *string
		e.must(e.db.Q().QueryRow(e.ctx, "SELECT status, last_updated_at, last_updated_by FROM mcp_server_versions "+
			"WHERE name = $1 AND version = '1.0.0'", name).Scan(&status, &updatedAt, &updatedBy))
		if status != "deleted" || updatedAt != t0+500 || deref(updatedBy) != "alice" {
			t.Errorf("soft-deleted row: status %s, last_updated_at %d, last_updated_by %s (the delete leaves _by alone)",
				status, updatedAt, deref(updatedBy))
		}
		if e.count("mcp_server_version_tags", "name = $1 AND version = '1.0.0'", name) != 1 {
			t.Error("the soft-deleted version's tags were removed")
		}
		_, err = e.reg.GetVersion(e.ctx, e.alice, name, "1.0.0")
		wantErr(t, err, mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/files' version '1.0.0' not found")
		err = e.reg.DeleteVersion(e.ctx, e.alice, name, "1.0.0")
		wantErr(t, err, mlflowerr.ErrInvalid, "Invalid status transition from 'deleted' to 'deleted'. Allowed transitions: []")
		err = e.reg.DeleteVersion(e.ctx, e.alice, name, "7.0.0")
		wantErr(t, err, mlflowerr.ErrNotFound, "")

		// "latest" endpoints go once the last live version does.
		e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, "2.0.0"))
		for _, id := range []string{onNext.ID, onOther.ID, onLatest.ID} {
			if stored(id) {
				t.Errorf("endpoint %s survived the last live version", id)
			}
		}
		if s := e.server(name); s.Latest != nil || len(s.Aliases) != 0 || len(s.Endpoints) != 0 {
			t.Errorf("server after deleting every version = %+v", s)
		}
	})
}

// TestStatusChangePurgesLatestEndpoints: a PATCH that leaves nothing live
// deletes the "latest" endpoints but keeps the others (MLflow).
func TestStatusChangePurgesLatestEndpoints(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/patch"
		e.mustRegister(name, "1.0.0", "")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.0.0"))
		latest := e.endpoint(name, nil, ptr("latest"))
		direct := e.endpoint(name, ptr("1.0.0"), nil)
		byAlias := e.endpoint(name, nil, ptr("prod"))
		v, err := e.reg.UpdateVersion(e.ctx, e.alice, name, "1.0.0", mcpregistry.VersionPatch{Status: ptr("deleted")})
		e.must(err)
		if v.Status != mcpregistry.StatusDeleted || len(v.Aliases) != 1 {
			t.Errorf("PATCH answer: status %s aliases %v (kept)", v.Status, v.Aliases)
		}
		if e.count("mcp_access_endpoints", "id = $1", latest.ID) != 0 {
			t.Error("the latest endpoint survived")
		}
		for _, id := range []string{direct.ID, byAlias.ID} {
			if e.count("mcp_access_endpoints", "id = $1", id) != 1 {
				t.Errorf("endpoint %s was removed by a PATCH", id)
			}
			_, err := e.reg.GetEndpoint(e.ctx, e.alice, name, id)
			wantErr(t, err, mlflowerr.ErrNotFound, "MCPAccessEndpoint "+id+" not found")
		}
		_, err = e.reg.CreateEndpoint(e.ctx, e.alice, name, mcpregistry.CreateEndpointInput{URL: "https://x.example.com", ServerAlias: ptr("prod")})
		wantErr(t, err, mlflowerr.ErrInvalid, "Alias 'prod' for MCP server 'io.github.acme/patch' points to deleted version '1.0.0'")
		_, err = e.reg.GetVersionByAlias(e.ctx, e.alice, name, "prod")
		wantErr(t, err, mlflowerr.ErrNotFound, "version '1.0.0' not found")
	})
}

func TestDeleteServer(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name, keep = "io.github.acme/gone", "io.github.acme/kept"
		for _, n := range []string{name, keep} {
			e.mustRegister(n, "1.0.0", "active")
			e.mustRegister(n, "2.0.0", "")
			e.must(e.reg.SetAlias(e.ctx, e.alice, n, "prod", "1.0.0"))
			e.must(e.reg.SetServerTag(e.ctx, e.alice, n, mcpregistry.Tag{Key: "k", Value: ptr("v")}))
			e.must(e.reg.SetVersionTag(e.ctx, e.alice, n, "2.0.0", mcpregistry.Tag{Key: "k", Value: ptr("v")}))
			e.endpoint(n, nil, ptr("prod"))
		}
		err := e.reg.DeleteServer(e.ctx, e.alice, name)
		wantErr(t, err, mlflowerr.ErrInvalid,
			"Cannot delete MCP server 'io.github.acme/gone' while it still has an active version ('1.0.0'). "+
				"Delete or deactivate the active version first.")
		e.setStatus(name, "1.0.0", "deprecated") // deprecated and draft versions do not block
		e.must(e.reg.DeleteServer(e.ctx, e.alice, name))
		tables := map[string]string{
			"mcp_servers": "name", "mcp_server_versions": "name", "mcp_server_tags": "name",
			"mcp_server_version_tags": "name", "mcp_server_aliases": "name", "mcp_access_endpoints": "server_name",
		}
		for table, col := range tables {
			if n := e.count(table, col+" = $1", name); n != 0 {
				t.Errorf("%s: %d rows of the deleted server left", table, n)
			}
			if n := e.count(table, col+" = $1", keep); n == 0 {
				t.Errorf("%s: the other server's rows went too", table)
			}
		}
	})
}
