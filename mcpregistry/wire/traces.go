package wire

// Trace-link bodies (issue 5): which MCP server versions served which
// traces, under /api/3.0/mlflow/traces/... and the registry's prefix.

// VersionRef names one MCP server version.
type VersionRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// LinkTraceRequest is the body of POST /mlflow/traces/link-mcp-server-versions
// and /mlflow/traces/unlink-mcp-server-versions.
type LinkTraceRequest struct {
	TraceID  string       `json:"trace_id"`
	Versions []VersionRef `json:"mcp_server_versions"`
}

// TraceVersions is the body of GET /mlflow/traces/{trace_id}/mcp-server-versions:
// the linked versions as the registry renders them.
type TraceVersions struct {
	Versions []Version `json:"mcp_server_versions"`
}

// TraceLink is one trace that used an MCP server version.
type TraceLink struct {
	TraceID      string `json:"trace_id"`
	ExperimentID string `json:"experiment_id"`
	// TimestampMs is the trace's start time in epoch milliseconds.
	TimestampMs int64 `json:"timestamp_ms"`
	// Status is MLflow's trace state (OK, ERROR, IN_PROGRESS, ...).
	Status           string     `json:"status"`
	MCPServerVersion VersionRef `json:"mcp_server_version"`
}

// SearchTraces is the body of GET .../mcp-servers/{name}/traces and
// .../mcp-servers/{name}/versions/{version}/traces, newest first.
type SearchTraces struct {
	Traces        []TraceLink `json:"traces"`
	NextPageToken *string     `json:"next_page_token"`
}
