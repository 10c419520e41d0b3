package mcpregistry

import (
	"cmp"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Status is a server version's lifecycle state, stored in
// mcp_server_versions.status. Values are case-sensitive.
type Status string

// The lifecycle states. Deleted is a soft delete and is terminal.
const (
	StatusDraft      Status = "draft"
	StatusActive     Status = "active"
	StatusDeprecated Status = "deprecated"
	StatusDeleted    Status = "deleted"
)

// DefaultStatus is the status of a version registered without one.
const DefaultStatus = StatusDraft

// ParseStatus reads a status from a request. Only the exact lower-case names
// are statuses; "Active" is not.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusDraft, StatusActive, StatusDeprecated, StatusDeleted:
		return st, nil
	}
	return "", mlflowerr.Invalid("Invalid status: '%s'", s)
}

// allowedTransitions is MLflow's VALID_STATUS_TRANSITIONS. Each list is in
// byte order because the error message shows it sorted. Deleted has no entry:
// it is terminal. No state lists itself, so re-setting the current status is
// an error too.
var allowedTransitions = map[Status][]Status{
	StatusDraft:      {StatusActive, StatusDeleted},
	StatusActive:     {StatusDeprecated, StatusDraft},
	StatusDeprecated: {StatusActive, StatusDeleted},
}

// CheckTransition reports whether a version may move from one status to
// another. Active cannot go straight to deleted: it must be deprecated or
// unpublished (to draft) first.
func CheckTransition(from, to Status) error {
	allowed := allowedTransitions[from]
	for _, s := range allowed {
		if s == to {
			return nil
		}
	}
	quoted := make([]string, len(allowed))
	for i, s := range allowed {
		quoted[i] = "'" + string(s) + "'"
	}
	// The list renders as Python's repr of a sorted list of strings.
	return mlflowerr.Invalid("Invalid status transition from '%s' to '%s'. Allowed transitions: [%s]",
		from, to, strings.Join(quoted, ", "))
}

// CheckInitialStatus reports whether a version may be registered with s.
// Registration publishes at most; the other states are reached by transition.
func CheckInitialStatus(s Status) error {
	if s == StatusDraft || s == StatusActive {
		return nil
	}
	return mlflowerr.Invalid("Initial MCP server registration status must be 'draft' or 'active'.")
}

// LatestPriority is a status's rank in latest resolution, lower first:
// active is 0 and every other status 1, so any active version beats every
// draft or deprecated one whatever their SemVer. The store's SQL must use
// CASE status WHEN 'active' THEN 0 ELSE 1 END ASC as its first sort term.
func (s Status) LatestPriority() int {
	if s == StatusActive {
		return 0
	}
	return 1
}

// LatestCandidate is what latest resolution looks at for one version row.
type LatestCandidate struct {
	Status    Status
	Version   SemVer
	CreatedAt int64 // created_at, milliseconds since the Unix epoch
}

// CompareLatest orders candidates for latest resolution: negative when a
// ranks before b. It is the rule the store's SQL must implement over
// non-deleted rows:
//
//	ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END ASC,
//	         version_major DESC, version_minor DESC, version_patch DESC,
//	         version_prerelease_sort_key DESC,
//	         created_at DESC, version DESC
//
// The last two terms only separate versions equal in precedence, i.e.
// differing in build metadata: the newer row wins, then the byte-wise greater
// string (PostgreSQL needs COLLATE "C" on that term to compare bytes).
func CompareLatest(a, b LatestCandidate) int {
	if c := cmp.Compare(a.Status.LatestPriority(), b.Status.LatestPriority()); c != 0 {
		return c
	}
	if c := b.Version.Compare(a.Version); c != 0 {
		return c
	}
	if c := cmp.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.Version.String(), a.Version.String())
}

// ResolveLatest picks the version "latest" resolves to: the first non-deleted
// candidate under CompareLatest. ok is false when every candidate is deleted
// or there are none; the server then has no latest version and no status.
func ResolveLatest(candidates []LatestCandidate) (latest LatestCandidate, ok bool) {
	for _, c := range candidates {
		if c.Status == StatusDeleted {
			continue
		}
		if !ok || CompareLatest(c, latest) < 0 {
			latest, ok = c, true
		}
	}
	return latest, ok
}

// TransportType is how clients reach an access endpoint, stored in
// mcp_access_endpoints.transport_type. MLflow has no stdio transport.
type TransportType string

// The transports MLflow accepts.
const (
	TransportStreamableHTTP TransportType = "streamable-http"
	TransportSSE            TransportType = "sse"
)

// DefaultTransportType is the transport of an endpoint created without one.
const DefaultTransportType = TransportStreamableHTTP

// ParseTransportType reads a transport from a request, case-sensitively.
// The message starts with MLflow's exact text, so clients matching on it keep
// working, and then lists the accepted values, which MLflow leaves out.
func ParseTransportType(s string) (TransportType, error) {
	switch t := TransportType(s); t {
	case TransportStreamableHTTP, TransportSSE:
		return t, nil
	}
	return "", mlflowerr.Invalid("Invalid transport_type: '%s'. Allowed values: '%s', '%s'.",
		s, TransportStreamableHTTP, TransportSSE)
}
