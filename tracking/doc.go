// Package tracking links MLflow traces to the MCP server versions that
// served them, in MLflow's own tables, and serves the links in both
// directions. Subpackage otlplink links automatically from the OpenTelemetry
// exports that flow through the sidecar to MLflow.
//
// # Storage
//
// One call is one transaction, locked on the trace (advisory lock
// "mlflow-trace:<trace id>" on PostgreSQL; SQLite has a single writer),
// so concurrent links and unlinks of one trace cannot lose each other's tag
// entries; the linked versions' rows are read FOR SHARE, so a version cannot
// be soft-deleted (or its server deleted) while a link to it is written.
//
//   - entity_associations: one row per link, source_type "trace",
//     source_id the trace's request_id, destination_type
//     "mcp_server_version", destination_id DestinationID(workspace, name,
//     version), association_id a fresh str(uuid4()), created_time in epoch
//     milliseconds. The primary key makes a second link a no-op.
//   - trace_tags: LinkedServersTag ("mlflow.linkedMcpServers") holds the
//     linked versions as a JSON list of {"name", "version"} written like
//     Python's json.dumps (the mlflow.linkedPrompts format), so MLflow's UI
//     and trace search show the links. It is rewritten with every link and
//     unlink and deleted when nothing is linked; a value over MLflow's 8000
//     characters is refused before anything is written.
//
// A trace has no workspace of its own: it is in its experiment's workspace
// (experiments.workspace, "default" before MLflow 3.10). A trace of another
// workspace is reported exactly like a missing one.
//
// # Destination ids
//
// entity_associations.destination_id is VARCHAR(36), too narrow for
// "workspace:name:version". It is therefore the UUIDv5 of
// workspace + "\x00" + name + "\x00" + version in the namespace
// a05fb5a6-0355-514a-b1eb-1bebaae180d2 (see DestinationID). In Python:
//
//	import uuid
//	ns = uuid.UUID("a05fb5a6-0355-514a-b1eb-1bebaae180d2")
//	str(uuid.uuid5(ns, "default\0io.github.acme/brave-search\0" + "1.2.0"))
//	# '4cd4ab34-17f3-5fe2-b022-7a3763e00814'
//
// # Routes
//
// Under /api/3.0/mlflow and /ajax-api/3.0/mlflow, both after MLflow's
// --static-prefix:
//
//	POST /traces/link-mcp-server-versions    {"trace_id", "mcp_server_versions": [{"name", "version"}]} → {}
//	POST /traces/unlink-mcp-server-versions  same body → {}
//	GET  /traces/{trace_id}/mcp-server-versions
//	     → {"mcp_server_versions": [version objects as the registry renders them]}
//	GET  /mcp-servers/{name}/versions/{version}/traces?max_results=&page_token=
//	GET  /mcp-servers/{name}/traces?max_results=&page_token=
//	     → {"traces": [{"trace_id", "experiment_id", "timestamp_ms", "status",
//	        "mcp_server_version": {"name", "version"}}], "next_page_token"}
//
// Listings are newest trace first (trace_info.timestamp_ms, then trace id),
// keyset-paged with the registry's opaque, checksummed page tokens; a trace
// linked to several versions of one server appears once per version in the
// server listing. Every other /mlflow/traces path is MLflow's. The {name}
// of the two listing routes may be written with a raw "/" or as %2F; see
// IsTraceRoute for how they are told apart from the registry's own routes.
//
// Link requires every version to exist and not be deleted. Unlink accepts
// deleted versions, and VersionsForTrace and the listings show them with
// their status, so that history stays visible after a version is deleted.
// Links whose server was deleted outright cannot be named any more and are
// left out of answers; their rows stay (MLflow's table has no foreign keys).
//
// # Telemetry
//
// Link and unlink each run in a span (tracking.link, tracking.unlink) with
// the attributes mlflow.trace.id, mlflow.workspace, and the parallel string
// arrays mcp.server.name and mcp.server.version.
package tracking
