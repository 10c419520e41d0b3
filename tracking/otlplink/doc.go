// Package otlplink links MLflow traces to MCP server versions automatically,
// from the OpenTelemetry exports that reach MLflow through the sidecar.
//
// MLflow receives OTLP/HTTP trace exports at POST /v1/traces (header
// x-mlflow-experiment-id). The proxy forwards each export byte for byte and,
// after MLflow has answered, hands the Linker (a proxy.Tap) the request and
// the exact bytes. Only exports MLflow accepted (2xx) are read, off the
// request path: Done enqueues into a bounded queue (QueueSize exports,
// QueueBytes bytes) and returns; full means the export is not linked, never
// that it is delayed or changed.
//
// # What links a span to a server
//
//   - Explicitly: mlflow.mcp_server.name with mlflow.mcp_server.version, or
//     with mlflow.mcp_server.alias (resolved when the link is made; "latest"
//     is the registry's computed latest). Values written JSON-encoded by
//     MLflow's SDK ("\"1.2.0\"") are decoded.
//   - By the OpenTelemetry MCP semantic conventions: a CLIENT span with
//     mcp.method.name and the server's url.full (or server.address and
//     server.port) is matched against the workspace's registered access
//     endpoints, and linked to the version the endpoint's target (a version,
//     an alias or "latest") resolves to at that moment. URLs are compared on
//     scheme, host (lower case, trailing dot dropped), port (the scheme's
//     default filled in) and path (trailing "/" dropped); query and fragment
//     are ignored. A host without a port matches the host on any port. A
//     reference matching endpoints of different versions is ambiguous and
//     not linked.
//
// The endpoints of a workspace are read through the registry's endpoint
// search and cached for IndexTTL (10 s by default), so a new endpoint takes
// effect for auto-linking within that time; the version behind it is
// resolved afresh for every link.
//
// The MLflow trace of a span is its mlflow.traceRequestId attribute when
// set, else "tr-" and the span's 16-byte OpenTelemetry trace id in 32
// lower-case hex digits, as MLflow's receiver names it (Span.from_otel_proto,
// generate_mlflow_trace_id_from_otel_trace_id). The workspace is the
// request's X-MLFLOW-WORKSPACE header, "default" when absent; the trace's
// experiment must be in it.
//
// Bodies are protobuf (application/x-protobuf) or OTLP/JSON
// (application/json, hex ids; base64 ids and snake_case names are accepted
// too), identity, gzip or deflate. MLflow's receiver, as observed, accepts
// only protobuf, so JSON exports are linked only by an MLflow that accepts
// them.
//
// # Retries and counters
//
// MLflow may store a trace after answering, so a trace that is not in the
// database yet is retried with backoff (MaxAttempts, RetryDelay doubling to
// MaxRetryDelay; about 30 s by default), as is a database or registry
// failure. The counters, from the global MeterProvider, are
// mlflow_sidecar.otlp_autolink.linked (links made), .unresolved (references
// that matched no live version), .retried, and .dropped by reason (see the
// Drop* constants). Each attempt is a span "tracking.autolink" (linked to
// the proxied request's span) with the trace id, workspace, the resolved
// server names and versions, and the outcome; the link itself is a child
// "tracking.link" span.
//
// Run with --otlp-autolink=on (the default; see ParseMode): the caller
// installs the Linker as the proxy's Tap only when it is on.
package otlplink
