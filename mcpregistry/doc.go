// Package mcpregistry holds the MCP server registry's entities and rules: the
// strict SemVer that orders versions, the server-name format, the version
// status lifecycle, latest resolution and the access-endpoint transport
// types, all as MLflow 3.15 defines them.
//
// The rules here are the single source of truth for the store and the HTTP
// layer. Every client-caused failure is an mlflowerr kind carrying MLflow's
// exact message, so the wire stays byte-compatible with MLflow's own server.
package mcpregistry
