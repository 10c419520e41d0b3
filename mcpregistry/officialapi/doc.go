// Package officialapi serves the official MCP registry API (/v0.1 and /v0,
// github.com/modelcontextprotocol/registry v1.8.8) on top of the registry's
// store, so that clients built for the official registry (the publisher
// CLI, IDE galleries, aggregators) list, search, install and publish the
// organisation's servers without knowing the difference.
//
// Routes (under /v0.1 and /v0, at the root and under --static-prefix):
//
//	GET   /servers                                   cursor, limit, search, updated_since, version, include_deleted
//	GET   /servers/{serverName}/versions             include_deleted
//	GET   /servers/{serverName}/versions/{version}   "latest" allowed; include_deleted
//	PATCH /servers/{serverName}/versions/{version}/status
//	PATCH /servers/{serverName}/status               every published version, atomically
//	POST  /publish                                   server.json, registered as active
//	POST  /auth/none                                 anonymous token, only without authentication
//
// How the registry maps onto the official model, and where it differs:
//
//   - Drafts are never visible: not listed, not found, not changeable here.
//     Statuses active, deprecated and deleted map 1:1.
//   - Lists are ordered by server name, then version string, like the
//     official server's, in the database's collation. The cursor is an
//     opaque, checksummed keyset position (not "name:version"); a malformed
//     one is a 400. nextCursor is only sent when another row exists, so the
//     last page is never empty (the official server also sends one after a
//     full last page).
//   - isLatest is the registry's own latest resolution (LatestOrder: active
//     versions first, then SemVer precedence), the version MLflow's "latest"
//     alias and access endpoints on it use. The official registry instead
//     flags the highest non-deleted version whatever its status (a
//     deprecated 2.0 stays latest over an active 1.0), and keeps the flag on
//     a deleted version when all are deleted; here a server whose versions
//     are all deleted has none, and one whose latest is a draft shows no
//     latest version.
//   - Timestamps come from MLflow's columns: publishedAt is created_at;
//     updatedAt is last_updated_at; statusChangedAt is last_updated_at too,
//     since MLflow keeps no separate status-change time.
//   - statusMessage is kept in the version tag mcp.registry.statusMessage
//     (MLflow has no column for it) and is shown only while the version is
//     not active.
//   - Lifecycle: MLflow's rules apply. active↔deprecated as on the official
//     registry; deleted only from deprecated (an active version is
//     deprecated first: the request is refused with that advice); deleted is
//     terminal (no restore). The server-level PATCH changes every published,
//     non-deleted version in one transaction, or none when any of them may
//     not make the transition, and lists the versions it changed.
//   - Publishing applies the native API's validation; a rejected document is
//     a 400 "Failed to publish server" with the reason as its finding (the
//     official server answers some schema violations with 422).
//   - Errors are RFC 9457 problem details as the official server (huma v2)
//     writes them, with its status codes for the same mistakes. Errors from
//     the sidecar's shared middleware (authentication, workspace header,
//     body size) keep MLflow's format.
//   - _meta also carries this registry's key, MetaKey, with the version's
//     workspace, aliases, tags, server tags, tools and the access endpoints
//     that resolve to it.
//
// Authentication follows the sidecar's --auth mode. Without authentication,
// POST /auth/none issues a short-lived HS256 token and writes need it as a
// Bearer token (the official publisher's flow). With authentication on,
// anonymous tokens are refused and every request carries the credentials
// MLflow accepts, checked by the sidecar's middleware as for the native API.
package officialapi
