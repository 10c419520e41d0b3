package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// The official API's reads (mcpregistry.OfficialTx). Like the other views,
// each is one statement: the published versions v with, per row, the
// version "latest" resolves to for their server (lv), their aliases, tags,
// server tags, and the access endpoints that resolve to them.
//
// The list is ordered by (name, version) in the columns' own collation, so
// that the primary key (workspace, name, version) serves both the order and
// the keyset predicate, and the scan stops after the page: a page deep in
// the list costs what the first costs. There is no page CTE as in the
// native searches: with the order taken from the index, the nested
// subqueries only run for the rows the LIMIT lets through.

var _ mcpregistry.OfficialTx = (*tx)(nil)

// publishedSelect selects published (non-draft) versions v of workspace $1;
// callers append conditions, the order and the limit.
func publishedSelect(d mlflowdb.Dialect) string {
	serverTags := "SELECT " + jsonArrayAgg(d, jsonObject(d, "'k'", `t."key"`, "'v'", "t.value"), `t."key"`) +
		" FROM mcp_server_tags t WHERE t.workspace = v.workspace AND t.name = v.name"
	// An endpoint resolves to v when its target (a version, "latest", or a
	// stored alias) names v and v is not deleted: resolvedJoin's resolution,
	// seen from the version.
	target := "CASE WHEN e.server_version IS NOT NULL THEN e.server_version WHEN e.server_alias = 'latest' THEN lv.version" +
		" ELSE (SELECT ax.version FROM mcp_server_aliases ax WHERE ax.workspace = e.workspace AND ax.name = e.server_name" +
		" AND ax.alias = e.server_alias) END"
	endpoint := jsonObject(d, "'id'", "e.id", "'sv'", "e.server_version", "'sa'", "e.server_alias", "'u'", "e.url",
		"'tt'", "e.transport_type", "'cb'", "e.created_by", "'lb'", "e.last_updated_by",
		"'ca'", "e.created_at", "'la'", "e.last_updated_at")
	endpoints := "SELECT " + jsonArrayAgg(d, endpoint, "e.id") + " FROM mcp_access_endpoints e" +
		" WHERE e.workspace = v.workspace AND e.server_name = v.name AND v.status <> 'deleted' AND v.version = " + target
	return "SELECT " + versionCols("v") + ", (" + versionAliasesSQL(d, "v") + "), (" + versionTagsSQL(d, "v") + "), (" +
		serverTags + "), lv.version, (" + endpoints + ") FROM mcp_server_versions v" + latestJoin(d, "v.workspace", "v.name") +
		" WHERE v.workspace = $1 AND v.status <> 'draft'"
}

const (
	listOrder    = "v.name, v.version"
	notDeleted   = " AND v.status <> 'deleted'"
	ofServer     = " AND v.name = $2"
	ofVersion    = " AND v.name = $2 AND v.version = $3"
	isLatestCond = " AND v.name = $2 AND lv.version = v.version"
)

// officialStatements are the fixed statements of one dialect.
type officialStatements struct {
	list                   string // to be completed by ListPublished
	versions, liveVersions string // of server $2, newest first
	version, liveVersion   string // $2, $3
	latest                 string // of server $2
}

var officialPrepared = map[mlflowdb.Dialect]*officialStatements{
	mlflowdb.Postgres: buildOfficial(mlflowdb.Postgres),
	mlflowdb.SQLite:   buildOfficial(mlflowdb.SQLite),
}

func buildOfficial(d mlflowdb.Dialect) *officialStatements {
	sel := publishedSelect(d)
	newest := " ORDER BY v.created_at DESC, v.version" + bytewise(d) + " DESC"
	return &officialStatements{
		list:         sel,
		versions:     sel + ofServer + newest,
		liveVersions: sel + ofServer + notDeleted + newest,
		version:      sel + ofVersion,
		liveVersion:  sel + ofVersion + notDeleted,
		latest:       sel + isLatestCond,
	}
}

func (t *tx) official() *officialStatements { return officialPrepared[t.dialect()] }

func (t *tx) ListPublished(ctx context.Context, ws string, q mcpregistry.PublishedQuery) ([]mcpregistry.Published, *mcpregistry.PublishedPosition, error) {
	if err := t.view(); err != nil {
		return nil, nil, err
	}
	if q.Limit < 1 {
		return nil, nil, fmt.Errorf("store: published list limit %d", q.Limit)
	}
	st := t.official()
	b := newBuilder(t.dialect())
	b.sql(st.list)
	b.arg(ws)
	if !q.IncludeDeleted {
		b.sql(notDeleted)
	}
	if q.Search != nil {
		b.sql(" AND ", ilike(b.d, "v.name", b.arg(containsPattern(*q.Search))), ` ESCAPE '\'`)
	}
	if q.UpdatedAfter != nil {
		b.sql(" AND v.last_updated_at > ", b.arg(*q.UpdatedAfter))
	}
	if q.Version != nil {
		b.sql(" AND v.version = ", b.arg(*q.Version))
	}
	if q.LatestOnly {
		b.sql(" AND lv.version = v.version")
	}
	if q.After != nil {
		b.sql(" AND (v.name, v.version) > (", b.arg(q.After.Name), ", ", b.arg(q.After.Version), ")")
	}
	b.sql(" ORDER BY ", listOrder, " LIMIT ", b.arg(int64(q.Limit)+1))
	items, err := collect(ctx, t.q, b.String(), b.args, scanPublished)
	if err != nil || len(items) <= q.Limit {
		return items, nil, err
	}
	items = items[:q.Limit]
	last := items[q.Limit-1]
	return items, &mcpregistry.PublishedPosition{Name: last.Name, Version: last.Version.Version}, nil
}

// containsPattern is a LIKE pattern matching s anywhere, with LIKE's
// wildcards in s escaped (the statement names the escape character).
func containsPattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (t *tx) PublishedVersions(ctx context.Context, ws, name string, includeDeleted bool) ([]mcpregistry.Published, error) {
	if err := t.view(); err != nil {
		return nil, err
	}
	sql := t.official().liveVersions
	if includeDeleted {
		sql = t.official().versions
	}
	return collect(ctx, t.q, sql, []any{ws, name}, scanPublished)
}

func (t *tx) PublishedVersion(ctx context.Context, ws, name, version string, includeDeleted bool) (*mcpregistry.Published, error) {
	if err := t.view(); err != nil {
		return nil, err
	}
	sql := t.official().liveVersion
	if includeDeleted {
		sql = t.official().version
	}
	return first(collect(ctx, t.q, sql, []any{ws, name, version}, scanPublished))
}

func (t *tx) PublishedLatest(ctx context.Context, ws, name string) (*mcpregistry.Published, error) {
	if err := t.view(); err != nil {
		return nil, err
	}
	return first(collect(ctx, t.q, t.official().latest, []any{ws, name}, scanPublished))
}

func scanPublished(rows mlflowdb.Rows) (mcpregistry.Published, error) {
	var r versionScan
	var aliases, tagList, serverTags, endpoints []byte
	var latest *string
	if err := rows.Scan(append(r.dest(), &aliases, &tagList, &serverTags, &latest, &endpoints)...); err != nil {
		return mcpregistry.Published{}, err
	}
	view, err := decodeVersionView(r.version(), aliases, tagList)
	if err != nil {
		return mcpregistry.Published{}, err
	}
	p := mcpregistry.Published{VersionView: view, IsLatest: latest != nil && *latest == view.Version.Version}
	var st []tagJSON
	var eps []endpointJSON
	if err := decodeJSON(serverTags, "server tags", &st); err != nil {
		return p, err
	}
	if err := decodeJSON(endpoints, "access endpoints", &eps); err != nil {
		return p, err
	}
	p.ServerTags = tags(st)
	p.Endpoints = make([]mcpregistry.Endpoint, len(eps))
	for i := range eps {
		p.Endpoints[i] = eps[i].view(view.Workspace, view.Name).Endpoint
	}
	return p, nil
}
