package store

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Autocommit reads. A read is consistent when every answer it uses comes
// from one snapshot, and a statement is one snapshot. The service's reads
// come in these shapes, each served without a transaction:
//
//   - one view or search: one statement;
//   - a server lookup, then "latest" and its view (GET /aliases/latest): the
//     lookup is a probe that also returns the latest version with its
//     aliases and tags, and the later calls are answered from it;
//   - an alias lookup, then the target's view; an endpoint lookup (the
//     ownership check), then the endpoint's view: probes likewise;
//   - a server lookup, then a search within that server: the search is a
//     second statement. A page with rows proves the server existed at the
//     search's snapshot (its rows reference it by foreign key), so the
//     answer is exactly the one a snapshot at that time gives. An empty page
//     proves nothing (the server may have been deleted in between), so the
//     read is run again in a transaction.
//
// Any other sequence falls back to the transaction (errNeedSnapshot).
type autocommit struct {
	statements int
	server     *serverKey // the server the first statement found
	latest     map[serverKey]*mcpregistry.Version
	versions   map[versionKey]*mcpregistry.VersionView // live views; nil: no live version
	endpoints  map[string]*mcpregistry.EndpointView    // nil: the endpoint does not resolve
}

type serverKey struct{ ws, name string }

type versionKey struct{ ws, name, version string }

// first admits a probe: only as the read's first statement.
func (a *autocommit) first() error {
	if a.statements > 0 {
		return errNeedSnapshot
	}
	a.statements++
	return nil
}

func (a *autocommit) rememberVersion(k versionKey, v *mcpregistry.VersionView) {
	if a.versions == nil {
		a.versions = map[versionKey]*mcpregistry.VersionView{}
	}
	a.versions[k] = v
}

// optionalView is the view of an outer-joined version, nil when none.
func optionalView(v *mcpregistry.Version, aliases, tagList []byte) (*mcpregistry.VersionView, error) {
	if v == nil {
		return nil, nil
	}
	view, err := decodeVersionView(*v, aliases, tagList)
	return &view, err
}

// probeServer is Server in autocommit mode.
func (t *tx) probeServer(ctx context.Context, ws, name string) (*mcpregistry.Server, error) {
	if err := t.auto.first(); err != nil {
		return nil, err
	}
	var r serverScan
	var lv optVersionScan
	var aliases, tagList []byte
	found, err := queryOne(ctx, t.q, t.stmts().serverProbe, []any{ws, name}, append(append(r.dest(), lv.dest()...), &aliases, &tagList)...)
	if !found {
		return nil, err
	}
	k := serverKey{ws, name}
	t.auto.server, t.auto.latest = &k, map[serverKey]*mcpregistry.Version{k: nil}
	view, err := optionalView(lv.get(), aliases, tagList)
	if err != nil {
		return nil, err
	}
	if view != nil {
		t.auto.latest[k] = &view.Version
		t.auto.rememberVersion(versionKey{ws, name, view.Version.Version}, view)
	}
	s := r.server()
	return &s, nil
}

// probeAlias is Alias in autocommit mode; it also reads the target's view.
func (t *tx) probeAlias(ctx context.Context, ws, name, alias string) (*mcpregistry.Alias, error) {
	if err := t.auto.first(); err != nil {
		return nil, err
	}
	a := mcpregistry.Alias{Alias: alias}
	var target optVersionScan
	var aliases, tagList []byte
	found, err := queryOne(ctx, t.q, t.stmts().aliasProbe, []any{ws, name, alias},
		append(append([]any{&a.Version}, target.dest()...), &aliases, &tagList)...)
	if !found {
		return nil, err
	}
	v, err := optionalView(target.get(), aliases, tagList)
	if err != nil {
		return nil, err
	}
	t.auto.rememberVersion(versionKey{ws, name, a.Version}, v)
	return &a, nil
}

// probeEndpoint is Endpoint in autocommit mode; it also reads the view.
func (t *tx) probeEndpoint(ctx context.Context, id string) (*mcpregistry.Endpoint, error) {
	if err := t.auto.first(); err != nil {
		return nil, err
	}
	var r endpointScan
	var target optVersionScan
	var aliases, tagList []byte
	found, err := queryOne(ctx, t.q, t.stmts().endpointProbe, []any{id},
		append(append(r.dest(), target.dest()...), &aliases, &tagList)...)
	if !found {
		return nil, err
	}
	rv, err := optionalView(target.get(), aliases, tagList)
	if err != nil {
		return nil, err
	}
	e := r.endpoint()
	var view *mcpregistry.EndpointView
	if rv != nil {
		view = &mcpregistry.EndpointView{Endpoint: e, Resolved: rv}
	}
	t.auto.endpoints = map[string]*mcpregistry.EndpointView{id: view}
	return &e, nil
}

// scoped admits a search within server (ws, name). mustFind reports that
// the search is a second statement whose page must have rows (see above).
func (t *tx) scoped(ws, name string) (mustFind bool, err error) {
	if t.auto == nil {
		return false, nil
	}
	a := t.auto
	switch {
	case a.statements == 0:
		a.statements++
		return false, nil
	case a.statements == 1 && a.server != nil && *a.server == serverKey{ws, name}:
		a.statements++
		return true, nil
	}
	return false, errNeedSnapshot
}

// probes are the autocommit statements of one dialect.
func probes(d mlflowdb.Dialect) (server, alias, endpoint string) {
	server = "SELECT " + serverCols + ", " + versionCols("lv") + ", (" + versionAliasesSQL(d, "lv") + "), (" +
		versionTagsSQL(d, "lv") + ") FROM mcp_servers s" + latestJoin(d, "s.workspace", "s.name") +
		" WHERE s.workspace = $1 AND s.name = $2"
	alias = "SELECT a.version, " + versionCols("v") + ", (" + versionAliasesSQL(d, "v") + "), (" + versionTagsSQL(d, "v") +
		") FROM mcp_server_aliases a LEFT JOIN mcp_server_versions v ON v.workspace = a.workspace AND v.name = a.name" +
		" AND v.version = a.version AND v.status <> 'deleted' WHERE a.workspace = $1 AND a.name = $2 AND a.alias = $3"
	endpoint = "SELECT " + endpointCols + ", " + versionCols("rv") + ", (" + versionAliasesSQL(d, "rv") + "), (" +
		versionTagsSQL(d, "rv") + ") FROM mcp_access_endpoints e" + resolved(d, endpointLatest(d), "LEFT JOIN") +
		" WHERE e.id = $1"
	return server, alias, endpoint
}
