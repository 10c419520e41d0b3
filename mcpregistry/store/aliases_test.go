package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func TestAliases(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/search"
		e.mustRegister(name, "1.0.0", "active")
		e.mustRegister(name, "2.0.0", "")
		e.mustRegister(name, "0.9.0", "")
		e.mustRegister(name, "0.1.0", "")
		e.setStatus(name, "0.9.0", "active", "deprecated")
		e.setStatus(name, "0.1.0", "deleted") // PATCHed: soft-deleted, not cleaned up

		for _, c := range []struct {
			name, alias, version string
			kind                 error
			msg                  string
		}{
			{"reserved", "latest", "1.0.0", mlflowerr.ErrInvalid, "The alias name 'latest' is reserved for automatic resolution"},
			{"missing version", "prod", "9.9.9", mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/search' version '9.9.9' not found"},
			{"deleted version", "prod", "0.1.0", mlflowerr.ErrInvalid, "Cannot set alias 'prod' to deleted MCP server version 'io.github.acme/search' version '0.1.0'"},
			{"draft target", "beta", "2.0.0", nil, ""},
			{"deprecated target", "old", "0.9.0", nil, ""},
			{"case-sensitive reservation", "Latest", "1.0.0", nil, ""},
			{"alpha", "alpha", "1.0.0", nil, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantErr(t, e.reg.SetAlias(e.ctx, e.alice, name, c.alias, c.version), c.kind, c.msg)
			})
		}
		err := e.reg.SetAlias(e.ctx, e.alice, "io.github.acme/none", "prod", "1.0.0")
		wantErr(t, err, mlflowerr.ErrNotFound, "not found")

		// Sorted by the database's collation, like MLflow's ORDER BY alias:
		// only the lower-case ones have the same order under every collation.
		s := e.server(name)
		var got []string
		latestStored := false
		for _, a := range s.Aliases {
			if a.Alias == "Latest" {
				latestStored = a.Version == "1.0.0"
				continue
			}
			got = append(got, a.Alias+">"+a.Version)
		}
		if want := []string{"alpha>1.0.0", "beta>2.0.0", "old>0.9.0"}; !slices.Equal(got, want) || !latestStored || len(s.Aliases) != 4 {
			t.Errorf("server aliases = %v, want Latest and %v ('latest' never stored)", s.Aliases, want)
		}
		v, err := e.reg.GetVersionByAlias(e.ctx, e.alice, name, "alpha")
		e.must(err)
		if v.Version.Version != "1.0.0" || !slices.Equal(slices.Sorted(slices.Values(v.Aliases)), []string{"Latest", "alpha"}) {
			t.Errorf("alpha resolves to %s with aliases %v", v.Version.Version, v.Aliases)
		}

		// Moving an alias: the endpoint on it follows.
		ep := e.endpoint(name, nil, ptr("beta"))
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "beta", "1.0.0"))
		got2, err := e.reg.GetEndpoint(e.ctx, e.alice, name, ep.ID)
		e.must(err)
		if got2.Resolved.Version.Version != "1.0.0" {
			t.Errorf("endpoint on moved alias resolves to %s", got2.Resolved.Version.Version)
		}
		if v2, _ := e.reg.GetVersion(e.ctx, e.alice, name, "2.0.0"); len(v2.Aliases) != 0 {
			t.Errorf("2.0.0 still shows aliases %v after the move", v2.Aliases)
		}

		_, err = e.reg.GetVersionByAlias(e.ctx, e.alice, name, "nope")
		wantErr(t, err, mlflowerr.ErrNotFound, "Alias 'nope' not found for MCP server 'io.github.acme/search'")

		// Deleting an alias deletes the endpoints on it, and only those.
		other := e.endpoint(name, nil, ptr("alpha"))
		e.must(e.reg.DeleteAlias(e.ctx, e.alice, name, "beta"))
		_, err = e.reg.GetEndpoint(e.ctx, e.alice, name, ep.ID)
		wantErr(t, err, mlflowerr.ErrNotFound, "")
		if n := e.count("mcp_access_endpoints", "id = $1", ep.ID); n != 0 {
			t.Errorf("endpoint on the deleted alias is still stored")
		}
		if _, err := e.reg.GetEndpoint(e.ctx, e.alice, name, other.ID); err != nil {
			t.Errorf("endpoint on another alias: %v", err)
		}
		err = e.reg.DeleteAlias(e.ctx, e.alice, name, "beta")
		wantErr(t, err, mlflowerr.ErrNotFound, "Alias 'beta' not found on MCP server 'io.github.acme/search'")
	})
}

func TestTags(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.github.acme/labels"
		e.mustRegister(name, "1.0.0", "")
		e.mustRegister(name, "2.0.0", "")
		before := e.server(name).LastUpdatedAt

		for _, tg := range []mcpregistry.Tag{{Key: "team", Value: ptr("a")}, {Key: "env", Value: nil}, {Key: "team", Value: ptr("b")}} {
			e.must(e.reg.SetServerTag(e.ctx, e.alice, name, tg))
			e.must(e.reg.SetVersionTag(e.ctx, e.alice, name, "1.0.0", tg))
		}
		s := e.server(name)
		if got := tagText(s.Tags); got != "env=<nil> team=b" {
			t.Errorf("server tags = %s", got)
		}
		if s.LastUpdatedAt != before {
			t.Errorf("a tag write bumped last_updated_at")
		}
		v, err := e.reg.GetVersion(e.ctx, e.alice, name, "1.0.0")
		e.must(err)
		if got := tagText(v.Tags); got != "env=<nil> team=b" {
			t.Errorf("version tags = %s", got)
		}

		e.must(e.reg.DeleteServerTag(e.ctx, e.alice, name, "env"))
		e.must(e.reg.DeleteVersionTag(e.ctx, e.alice, name, "1.0.0", "team"))
		if got := tagText(e.server(name).Tags); got != "team=b" {
			t.Errorf("server tags after delete = %s", got)
		}

		e.must(e.reg.DeleteVersion(e.ctx, e.alice, name, "1.0.0"))
		for _, c := range []struct {
			name string
			err  error
			kind error
			msg  string
		}{
			{"missing server tag", e.reg.DeleteServerTag(e.ctx, e.alice, name, "env"), mlflowerr.ErrNotFound,
				"Tag 'env' not found on MCP server 'io.github.acme/labels'"},
			{"missing version tag", e.reg.DeleteVersionTag(e.ctx, e.alice, name, "2.0.0", "env"), mlflowerr.ErrNotFound,
				"Tag 'env' not found on MCP server version 'io.github.acme/labels' version '2.0.0'"},
			{"server tag on missing server", e.reg.SetServerTag(e.ctx, e.alice, "io.github.acme/none", mcpregistry.Tag{Key: "k"}),
				mlflowerr.ErrNotFound, "not found"},
			{"version tag on deleted version", e.reg.SetVersionTag(e.ctx, e.alice, name, "1.0.0", mcpregistry.Tag{Key: "k"}),
				mlflowerr.ErrNotFound, "MCP server version 'io.github.acme/labels' version '1.0.0' not found"},
			{"delete tag of deleted version", e.reg.DeleteVersionTag(e.ctx, e.alice, name, "1.0.0", "env"),
				mlflowerr.ErrNotFound, "version '1.0.0' not found"},
			{"version tag on missing version", e.reg.SetVersionTag(e.ctx, e.alice, name, "9.0.0", mcpregistry.Tag{Key: "k"}),
				mlflowerr.ErrNotFound, "version '9.0.0' not found"},
		} {
			t.Run(c.name, func(t *testing.T) { wantErr(t, c.err, c.kind, c.msg) })
		}
		// A soft-deleted version's tags stay stored, unreachable.
		if n := e.count("mcp_server_version_tags", "name = $1 AND version = '1.0.0'", name); n != 1 {
			t.Errorf("%d tags left on the deleted version, want 1", n)
		}
	})
}

func tagText(tags []mcpregistry.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, t.Key+"="+deref(t.Value))
	}
	return strings.Join(parts, " ")
}

// count counts rows of table matching where (with args) directly in SQL.
func (e *env) count(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	e.must(e.db.Q().QueryRow(e.ctx, "SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(&n))
	return n
}
