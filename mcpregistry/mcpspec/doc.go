// Package mcpspec holds the MCP-specification objects the registry stores,
// icons, tools and server.json documents, and validates them the way
// MLflow 3.15 does, so that the sidecar accepts, rejects and stores exactly
// what MLflow would (wire-api.md §4.3, §6.6, §8.3).
//
// Entry points, each taking the raw JSON of one request field:
//
//   - CanonicalIcons / ParseIcons: a server's icons;
//   - CanonicalTools / ParseTools: a version's tools;
//   - ValidateServerJSON: a version's server.json, which is also checked
//     against the embedded official JSON Schemas (schemas/, see NOTICE);
//   - ValidateVersion: server_json and tools of a create-version request in
//     one pass, which is what gives MLflow's answer when both are wrong.
//
// Failures come in MLflow's two shapes. Pydantic-style problems are one
// *mlflowerr.RequestError listing every issue ("Invalid request: tools.0.name:
// Field required"); icon URL and mimeType problems are a plain
// mlflowerr.Invalid with MLflow's message, and win over any issue, as they
// do in MLflow, where they escape validation at once. Callers validating
// other fields of the same request combine the outcomes in field order with
// mlflowerr.JoinRequest.
//
// Icon URL checks resolve host names (IconPolicy); they are the only
// network access here, bounded by a timeout and a process-wide limit on
// concurrent lookups. Deliberate differences from MLflow are listed in
// COMPATIBILITY.md.
package mcpspec
