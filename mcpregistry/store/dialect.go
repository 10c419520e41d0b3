package store

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// builder assembles one statement from this package's SQL fragments and
// collects its bind parameters. Values never enter the text: arg returns the
// placeholder ($n; mlflowdb rewrites it for SQLite).
type builder struct {
	d    mlflowdb.Dialect
	sb   strings.Builder
	args []any
}

func newBuilder(d mlflowdb.Dialect) *builder { return &builder{d: d} }

func (b *builder) sql(parts ...string) {
	for _, p := range parts {
		b.sb.WriteString(p)
	}
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *builder) String() string { return b.sb.String() }

func isPG(d mlflowdb.Dialect) bool { return d == mlflowdb.Postgres }

// bytewise is the collation that compares bytes. The prerelease sort key
// holds digits only, so under any collation it orders as MLflow's does; the
// raw version string is only a last tie-breaker, where MLflow uses the
// database default and CompareLatest compares bytes, and bytes are stable
// whatever collation the database was created with.
func bytewise(d mlflowdb.Dialect) string {
	if isPG(d) {
		return ` COLLATE "C"`
	}
	return " COLLATE BINARY"
}

// ilike is case-insensitive LIKE: PostgreSQL's ILIKE, and on SQLite (whose
// connections set case_sensitive_like) lower() on both sides, as MLflow does.
func ilike(d mlflowdb.Dialect, expr, param string) string {
	if isPG(d) {
		return expr + " ILIKE " + param
	}
	return "lower(" + expr + ") LIKE lower(" + param + ")"
}

// likeEscape turns off PostgreSQL's default LIKE escape character (the
// backslash): MLflow's filters cannot escape % and _, SQLite has no escape
// character unless one is named, and a pattern ending in a backslash would
// otherwise be a database error (SQLSTATE 22025) instead of a search.
func likeEscape(d mlflowdb.Dialect) string {
	if isPG(d) {
		return ` ESCAPE ''`
	}
	return ""
}

// inList is expr IN (values) with the list bound as one parameter, so the
// statement text does not depend on the list's length.
func inList(b *builder, expr string, values []string) string {
	if len(values) == 0 {
		return "1 = 0"
	}
	if isPG(b.d) {
		return expr + " = ANY(CAST(" + b.arg(values) + " AS TEXT[]))"
	}
	list, _ := json.Marshal(values) // []string always marshals
	return expr + " IN (SELECT value FROM json_each(" + b.arg(string(list)) + "))"
}

// jsonObject builds a JSON object from alternating key literals and values.
func jsonObject(d mlflowdb.Dialect, pairs ...string) string {
	fn := "json_object("
	if isPG(d) {
		fn = "json_build_object("
	}
	return fn + strings.Join(pairs, ", ") + ")"
}

// jsonArrayAgg aggregates elem over the rows of the enclosing subquery in the
// given order; an empty set gives [].
func jsonArrayAgg(d mlflowdb.Dialect, elem, orderBy string) string {
	if isPG(d) {
		return "COALESCE(json_agg(" + elem + " ORDER BY " + orderBy + "), '[]'::json)"
	}
	return "json_group_array(" + elem + " ORDER BY " + orderBy + ")"
}

// nestedJSON embeds the JSON a scalar subquery returns inside another JSON
// value. SQLite drops the JSON subtype at a subquery boundary, so without
// json() the inner array would be embedded as a string.
func nestedJSON(d mlflowdb.Dialect, subquery string) string {
	if isPG(d) {
		return "(" + subquery + ")"
	}
	return "json((" + subquery + "))"
}

// jsonText reads a JSON column as text, so that it is nested as a string and
// comes back byte for byte as stored (MLflow's json.dumps spacing included),
// and a malformed value MLflow may have written to SQLite cannot fail the
// whole statement.
func jsonText(d mlflowdb.Dialect, col string) string {
	if isPG(d) {
		return col + "::text"
	}
	return col
}

// jsonString is a JSON column as a bind parameter: a Go string, never []byte
// (SQLite would store a BLOB), nil for NULL.
func jsonString(raw []byte) *string {
	if raw == nil {
		return nil
	}
	s := string(raw)
	return &s
}

// latestOrder is LatestOrder (mcpregistry.CompareLatest) over alias v.
func latestOrder(d mlflowdb.Dialect, v string) string {
	c := bytewise(d)
	return "CASE " + v + ".status WHEN 'active' THEN 0 ELSE 1 END, " +
		v + ".version_major DESC, " + v + ".version_minor DESC, " + v + ".version_patch DESC, " +
		v + ".version_prerelease_sort_key" + c + " DESC, " + v + ".created_at DESC, " + v + ".version" + c + " DESC"
}

// latestColumn is a scalar subquery: column col of the version "latest"
// resolves to for the server (ws, name), NULL when no version is live.
func latestColumn(d mlflowdb.Dialect, col, ws, name string) string {
	return "(SELECT lx." + col + " FROM mcp_server_versions lx WHERE lx.workspace = " + ws + " AND lx.name = " + name +
		" AND lx.status <> 'deleted' ORDER BY " + latestOrder(d, "lx") + " LIMIT 1)"
}

// latestStatus is the status of the version "latest" resolves to, NULL
// when none is live. Active versions rank first, so a server with one has
// status active; only servers without one need the ordered lookup, and the
// EXISTS probe is an index-only range on idx_mcp_server_versions_latest.
// A status filter evaluates this for every server it scans.
func latestStatus(d mlflowdb.Dialect, ws, name string) string {
	return "(CASE WHEN EXISTS (SELECT 1 FROM mcp_server_versions la WHERE la.workspace = " + ws + " AND la.name = " + name +
		" AND la.status = 'active') THEN 'active' ELSE " + latestColumn(d, "status", ws, name) + " END)"
}

// latestJoin left-joins, as lv, the version "latest" resolves to for the
// server (ws, name): no row when none is live.
func latestJoin(d mlflowdb.Dialect, ws, name string) string {
	if isPG(d) {
		// LATERAL evaluates the ordered lookup once per server.
		return " LEFT JOIN LATERAL (SELECT lx.* FROM mcp_server_versions lx WHERE lx.workspace = " + ws +
			" AND lx.name = " + name + " AND lx.status <> 'deleted' ORDER BY " + latestOrder(d, "lx") + " LIMIT 1) lv ON TRUE"
	}
	return " LEFT JOIN mcp_server_versions lv ON lv.workspace = " + ws + " AND lv.name = " + name + " AND lv.version = " +
		latestColumn(d, "version", ws, name)
}

// resolvedJoin joins, as rv, the version endpoint e resolves to now: its
// version if not deleted, the latest (the SQL latest gives) for the alias
// "latest", or a stored alias's live target. An endpoint that does not
// resolve finds no row, so the inner join hides it (MLflow's visibility).
func resolvedJoin(d mlflowdb.Dialect, latest string) string { return resolved(d, latest, "JOIN") }

// resolved is resolvedJoin with the join kind: "LEFT JOIN" keeps endpoints
// that do not resolve, with rv all NULL.
func resolved(d mlflowdb.Dialect, latest, join string) string {
	target := "CASE WHEN e.server_version IS NOT NULL THEN e.server_version WHEN e.server_alias = 'latest' THEN " + latest +
		" ELSE (SELECT ax.version FROM mcp_server_aliases ax WHERE ax.workspace = e.workspace AND ax.name = e.server_name" +
		" AND ax.alias = e.server_alias) END"
	cond := "rv.workspace = e.workspace AND rv.name = e.server_name AND rv.status <> 'deleted' AND rv.version = " + target
	if isPG(d) {
		// A LATERAL subquery with LIMIT is a planning fence: PostgreSQL looks
		// rv up by primary key per endpoint, in the endpoints' order, and
		// stops with the page. Joined directly, it estimated the CASE badly
		// and hashed every version of the workspace to sort all endpoints.
		lookup := "LATERAL (SELECT rv.* FROM mcp_server_versions rv WHERE " + cond + " LIMIT 1) rv"
		if join == "LEFT JOIN" {
			return " LEFT JOIN " + lookup + " ON TRUE"
		}
		return " CROSS JOIN " + lookup
	}
	return " " + join + " mcp_server_versions rv ON " + cond
}

// resolvable is true when endpoint e resolves now: resolvedJoin would find
// a row. It only asks whether a live target exists, so "latest" needs no
// ordered lookup, which matters to a filter that tests every server.
//
// On PostgreSQL the alias branch carries OFFSET 0: without it the planner
// turns that EXISTS into a hashed subplan that joins every alias of the
// database with every version before the first endpoint is tested (120 ms
// for a workspace-wide endpoint page over 100,000 versions; 0.7 ms with the
// fence, measured with EXPLAIN ANALYZE on the make-bench data set).
func resolvable(d mlflowdb.Dialect) string {
	fence := ""
	if isPG(d) {
		fence = " OFFSET 0"
	}
	return "(CASE WHEN e.server_version IS NOT NULL THEN EXISTS (SELECT 1 FROM mcp_server_versions rv" +
		" WHERE rv.workspace = e.workspace AND rv.name = e.server_name AND rv.version = e.server_version AND rv.status <> 'deleted')" +
		" WHEN e.server_alias = 'latest' THEN EXISTS (SELECT 1 FROM mcp_server_versions rv" +
		" WHERE rv.workspace = e.workspace AND rv.name = e.server_name AND rv.status <> 'deleted')" +
		" ELSE EXISTS (SELECT 1 FROM mcp_server_aliases ax JOIN mcp_server_versions rv ON rv.workspace = ax.workspace" +
		" AND rv.name = ax.name AND rv.version = ax.version WHERE ax.workspace = e.workspace AND ax.name = e.server_name" +
		" AND ax.alias = e.server_alias AND rv.status <> 'deleted'" + fence + ") END)"
}

// resolvedStatus is the status of the version endpoint e resolves to, NULL
// when it does not resolve: resolvedJoin's rv.status, with "latest" through
// latestStatus, which needs no ordered lookup for a server with an active
// version.
func resolvedStatus(d mlflowdb.Dialect) string {
	return "(CASE WHEN e.server_version IS NOT NULL THEN (SELECT rv.status FROM mcp_server_versions rv" +
		" WHERE rv.workspace = e.workspace AND rv.name = e.server_name AND rv.version = e.server_version AND rv.status <> 'deleted')" +
		" WHEN e.server_alias = 'latest' THEN " + latestStatus(d, "e.workspace", "e.server_name") +
		" ELSE (SELECT rv.status FROM mcp_server_aliases ax JOIN mcp_server_versions rv ON rv.workspace = ax.workspace" +
		" AND rv.name = ax.name AND rv.version = ax.version WHERE ax.workspace = e.workspace AND ax.name = e.server_name" +
		" AND ax.alias = e.server_alias AND rv.status <> 'deleted') END)"
}

// endpointLatest is the latest version of endpoint e's server.
func endpointLatest(d mlflowdb.Dialect) string {
	return latestColumn(d, "version", "e.workspace", "e.server_name")
}
