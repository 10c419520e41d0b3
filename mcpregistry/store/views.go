package store

import (
	"context"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// A view statement selects full rows and nests their related rows as JSON.
// A get selects one row by key. A search first selects the keys of its page
// in a CTE (filtered, ordered, limited), then the view of those rows:
// keeping the LIMIT inside the CTE means the nested subqueries run for the
// rows shown, never for every row a filter scans.

// serverView shows servers (s, from the given FROM) with the latest version
// (columns, NULL when none is live), aliases, tags and resolvable endpoints
// (JSON arrays). Endpoints on "latest" resolve to lv, computed once.
func serverView(d mlflowdb.Dialect, from string) string {
	aliases := "SELECT " + jsonArrayAgg(d, jsonObject(d, "'a'", "a.alias", "'v'", "a.version"), "a.alias") +
		" FROM mcp_server_aliases a WHERE a.workspace = s.workspace AND a.name = s.name"
	tags := "SELECT " + jsonArrayAgg(d, jsonObject(d, "'k'", `t."key"`, "'v'", "t.value"), `t."key"`) +
		" FROM mcp_server_tags t WHERE t.workspace = s.workspace AND t.name = s.name"
	endpoints := "SELECT " + jsonArrayAgg(d, endpointObject(d), "e.id") +
		" FROM mcp_access_endpoints e" + resolvedJoin(d, "lv.version") +
		" WHERE e.workspace = s.workspace AND e.server_name = s.name"
	return "SELECT " + serverCols + ", " + versionCols("lv") + ", (" + aliases + "), (" + tags + "), (" + endpoints +
		") FROM " + from + latestJoin(d, "s.workspace", "s.name")
}

// versionView shows versions (v) with their aliases and tags.
func versionView(d mlflowdb.Dialect, from string) string {
	return "SELECT " + versionCols("v") + ", (" + versionAliasesSQL(d, "v") + "), (" + versionTagsSQL(d, "v") + ") FROM " + from
}

// endpointView shows endpoints (e) with their resolved versions (rv).
func endpointView(d mlflowdb.Dialect, from string) string {
	return "SELECT " + endpointCols + ", " + versionCols("rv") + ", (" + versionAliasesSQL(d, "rv") + "), (" +
		versionTagsSQL(d, "rv") + ") FROM " + from
}

// The heads of the page CTEs: scope conditions only; searches append
// filters, the keyset predicate, ORDER BY and LIMIT, then the tail.
const (
	serverHead  = "WITH page AS (SELECT s.workspace, s.name FROM mcp_servers s WHERE s.workspace = $1"
	versionHead = "WITH page AS (SELECT v.workspace, v.name, v.version FROM mcp_server_versions v" +
		" WHERE v.workspace = $1 AND v.name = $2 AND v.status <> 'deleted'"
)

// statements are the fixed statements of one dialect, built once.
type statements struct {
	serverView, versionView, liveVersionView, endpointView string
	serverTail, versionTail, endpointTail, endpointHead    string
	latest, activeVersion                                  string
	serverProbe, aliasProbe, endpointProbe                 string
}

var prepared = map[mlflowdb.Dialect]*statements{mlflowdb.Postgres: build(mlflowdb.Postgres), mlflowdb.SQLite: build(mlflowdb.SQLite)}

func build(d mlflowdb.Dialect) *statements {
	version := versionView(d, "mcp_server_versions v") + " WHERE v.workspace = $1 AND v.name = $2 AND v.version = $3"
	resolved := "mcp_access_endpoints e" + resolvedJoin(d, endpointLatest(d))
	serverProbe, aliasProbe, endpointProbe := probes(d)
	return &statements{
		serverProbe: serverProbe, aliasProbe: aliasProbe, endpointProbe: endpointProbe,
		serverView:      serverView(d, "mcp_servers s") + " WHERE s.workspace = $1 AND s.name = $2",
		versionView:     version,
		liveVersionView: version + " AND v.status <> 'deleted'",
		endpointView:    endpointView(d, resolved) + " WHERE e.id = $1",
		serverTail:      serverView(d, "page p JOIN mcp_servers s ON s.workspace = p.workspace AND s.name = p.name"),
		versionTail: versionView(d, "page p JOIN mcp_server_versions v"+
			" ON v.workspace = p.workspace AND v.name = p.name AND v.version = p.version"),
		endpointTail: endpointView(d, "page p JOIN mcp_access_endpoints e ON e.id = p.id"+resolvedJoin(d, endpointLatest(d))),
		endpointHead: "WITH page AS (SELECT e.id FROM mcp_access_endpoints e WHERE " + resolvable(d) + " AND e.workspace = ",
		latest: "SELECT " + versionCols("v") + " FROM mcp_server_versions v WHERE v.workspace = $1 AND v.name = $2" +
			" AND v.status <> 'deleted' ORDER BY " + latestOrder(d, "v") + " LIMIT 1",
		activeVersion: "SELECT v.version FROM mcp_server_versions v WHERE v.workspace = $1 AND v.name = $2" +
			" AND v.status = 'active' ORDER BY " + latestOrder(d, "v") + " LIMIT 1",
	}
}

func (t *tx) stmts() *statements { return prepared[t.dialect()] }

func (t *tx) ServerView(ctx context.Context, ws, name string) (*mcpregistry.ServerView, error) {
	if err := t.view(); err != nil {
		return nil, err
	}
	return first(collect(ctx, t.q, t.stmts().serverView, []any{ws, name}, scanServerView))
}

func (t *tx) VersionView(ctx context.Context, ws, name, version string, includeDeleted bool) (*mcpregistry.VersionView, error) {
	if t.auto != nil && !includeDeleted {
		if v, ok := t.auto.versions[versionKey{ws, name, version}]; ok {
			return v, nil
		}
	}
	if err := t.view(); err != nil {
		return nil, err
	}
	sql := t.stmts().liveVersionView
	if includeDeleted {
		sql = t.stmts().versionView
	}
	return first(collect(ctx, t.q, sql, []any{ws, name, version}, scanVersionView))
}

func (t *tx) EndpointView(ctx context.Context, id string) (*mcpregistry.EndpointView, error) {
	if t.auto != nil {
		if v, ok := t.auto.endpoints[id]; ok {
			return v, nil
		}
	}
	if err := t.view(); err != nil {
		return nil, err
	}
	return first(collect(ctx, t.q, t.stmts().endpointView, []any{id}, scanEndpointView))
}

func first[T any](items []T, err error) (*T, error) {
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return &items[0], nil
}

// collect runs a query and scans every row.
func collect[T any](ctx context.Context, q mlflowdb.Querier, sql string, args []any, scan func(mlflowdb.Rows) (T, error)) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, rows.Err()
}

func scanServerView(rows mlflowdb.Rows) (mcpregistry.ServerView, error) {
	var r serverScan
	var lv optVersionScan
	var aliases, tagList, endpoints []byte
	if err := rows.Scan(append(append(r.dest(), lv.dest()...), &aliases, &tagList, &endpoints)...); err != nil {
		return mcpregistry.ServerView{}, err
	}
	view := mcpregistry.ServerView{Server: r.server(), Latest: lv.get()}
	var al []aliasJSON
	var tg []tagJSON
	var eps []endpointJSON
	for _, part := range []struct {
		raw  []byte
		what string
		into any
	}{{aliases, "server aliases", &al}, {tagList, "server tags", &tg}, {endpoints, "access endpoints", &eps}} {
		if err := decodeJSON(part.raw, part.what, part.into); err != nil {
			return view, err
		}
	}
	view.Aliases = make([]mcpregistry.Alias, len(al))
	for i, a := range al {
		view.Aliases[i] = mcpregistry.Alias{Alias: a.Alias, Version: a.Version}
	}
	view.Tags = tags(tg)
	view.Endpoints = make([]mcpregistry.EndpointView, len(eps))
	for i := range eps {
		view.Endpoints[i] = eps[i].view(view.Workspace, view.Name)
	}
	return view, nil
}

func scanVersionView(rows mlflowdb.Rows) (mcpregistry.VersionView, error) {
	var r versionScan
	var aliases, tagList []byte
	if err := rows.Scan(append(r.dest(), &aliases, &tagList)...); err != nil {
		return mcpregistry.VersionView{}, err
	}
	return decodeVersionView(r.version(), aliases, tagList)
}

func decodeVersionView(v mcpregistry.Version, aliases, tagList []byte) (mcpregistry.VersionView, error) {
	view := mcpregistry.VersionView{Version: v}
	var tg []tagJSON
	if err := decodeJSON(aliases, "version aliases", &view.Aliases); err != nil {
		return view, err
	}
	if err := decodeJSON(tagList, "version tags", &tg); err != nil {
		return view, err
	}
	view.Aliases, view.Tags = nonNil(view.Aliases), tags(tg)
	return view, nil
}

func scanEndpointView(rows mlflowdb.Rows) (mcpregistry.EndpointView, error) {
	var e endpointScan
	var r versionScan
	var aliases, tagList []byte
	if err := rows.Scan(append(append(e.dest(), r.dest()...), &aliases, &tagList)...); err != nil {
		return mcpregistry.EndpointView{}, err
	}
	rv, err := decodeVersionView(r.version(), aliases, tagList)
	return mcpregistry.EndpointView{Endpoint: e.endpoint(), Resolved: &rv}, err
}
