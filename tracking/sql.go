package tracking

// SQL on MLflow's tables (trace_info, trace_tags, entity_associations,
// experiments) and read-only lookups on the MCP registry's tables. Written
// once with $n placeholders; mlflowdb adapts them to SQLite.
const (
	traceSQL          = `SELECT t.experiment_id FROM trace_info t WHERE t.request_id = $1`
	traceWorkspaceSQL = `SELECT t.experiment_id, e.workspace FROM trace_info t
JOIN experiments e ON e.experiment_id = t.experiment_id WHERE t.request_id = $1`

	linkedIDsSQL = `SELECT destination_id FROM entity_associations
WHERE source_type = $1 AND source_id = $2 AND destination_type = $3`
	insertLinkSQL = `INSERT INTO entity_associations
(association_id, source_type, source_id, destination_type, destination_id, created_time)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (source_type, source_id, destination_type, destination_id) DO NOTHING`
	deleteLinkSQL = `DELETE FROM entity_associations
WHERE source_type = $1 AND source_id = $2 AND destination_type = $3 AND destination_id = $4`

	tagSQL       = `SELECT value FROM trace_tags WHERE request_id = $1 AND "key" = $2`
	upsertTagSQL = `INSERT INTO trace_tags ("key", value, request_id) VALUES ($1, $2, $3)
ON CONFLICT ("key", request_id) DO UPDATE SET value = excluded.value`
	deleteTagSQL = `DELETE FROM trace_tags WHERE "key" = $1 AND request_id = $2`

	// FOR SHARE holds the row until commit, so a concurrent soft delete (an
	// UPDATE) or server delete waits: a version cannot be deleted mid-link.
	// SQLite has one writer at a time, which gives the same guarantee.
	versionStatusPGSQL = `SELECT status FROM mcp_server_versions
WHERE workspace = $1 AND name = $2 AND version = $3 FOR SHARE`
	versionStatusSQL = `SELECT status FROM mcp_server_versions
WHERE workspace = $1 AND name = $2 AND version = $3`
	workspaceVersionsSQL = `SELECT name, version FROM mcp_server_versions WHERE workspace = $1`
	serverExistsSQL      = `SELECT count(*) FROM mcp_servers WHERE workspace = $1 AND name = $2`
	serverVersionsSQL    = `SELECT version FROM mcp_server_versions WHERE workspace = $1 AND name = $2`
)

// Trace listings: the traces linked to a set of destination ids, newest
// first, keyset-paged on (timestamp_ms, request_id, destination_id). $1 is
// the workspace; without a workspace column only "default" has traces.
const (
	listSelect = `SELECT t.request_id, t.experiment_id, t.timestamp_ms, t.status, a.destination_id
FROM entity_associations a JOIN trace_info t ON t.request_id = a.source_id`
	listWorkspaceJoin = `
JOIN experiments e ON e.experiment_id = t.experiment_id WHERE e.workspace = $1`
	listDefaultOnly = `
WHERE $1 = 'default'`
	listWherePG = `
AND a.destination_type = $2 AND a.source_type = $3 AND a.destination_id = ANY($4)`
	listWhereSQLite = `
AND a.destination_type = $2 AND a.source_type = $3 AND a.destination_id IN (SELECT value FROM json_each($4))`
	listAfter = `
AND (t.timestamp_ms, t.request_id, a.destination_id) < ($5, $6, $7)`
	listOrder = `
ORDER BY t.timestamp_ms DESC, t.request_id DESC, a.destination_id DESC`
	listLimitFirst = ` LIMIT $5`
	listLimitAfter = ` LIMIT $8`
)
