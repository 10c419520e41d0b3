package mcpregistry

import (
	"context"
	"errors"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
)

// Store is the registry's persistence. The service decides transaction scope:
// each public service call is one Read or one Write. Implementations live in
// mcpregistry/store (SQL for PostgreSQL and SQLite).
type Store interface {
	// Read runs fn read-only, so that every answer fn gets comes from one
	// snapshot of the database (a read transaction, or single statements
	// where one statement answers consistently). fn may run more than once
	// and must have no effect outside the Tx but assigning its results.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in one read-write transaction that holds the write lock of
	// the server (workspace, name), so that writers to one server never
	// interleave: one parent, one latest, no alias or endpoint left pointing at
	// a version another writer is deleting. fn may be retried on a
	// serialisation failure and must not have effects outside the Tx.
	Write(ctx context.Context, workspace, name string, fn func(Tx) error) error
}

// ErrDuplicate is returned by Tx inserts that hit an existing primary key.
var ErrDuplicate = errors.New("mcpregistry: duplicate key")

// Query is a validated search: filter clauses, a total order (tie-breakers
// included), a page size, and the keyset position after which the page
// starts (nil for the first page).
type Query struct {
	Filter []search.Clause
	Order  []search.OrderTerm
	Limit  int
	After  []search.Value
}

// EndpointQuery narrows an endpoint search to one server and/or target.
type EndpointQuery struct {
	Query
	ServerName    *string // nil: the whole workspace
	ServerVersion *string
	ServerAlias   *string
}

// Tx is what the service may do inside a transaction. Lookups return
// (nil, nil) for a missing row. Searches return at most q.Limit items and the
// keyset position of the last one when more rows follow (nil otherwise).
type Tx interface {
	Server(ctx context.Context, ws, name string) (*Server, error)
	// InsertServer inserts s unless a server of that name exists (false).
	InsertServer(ctx context.Context, s *Server) (bool, error)
	UpdateServer(ctx context.Context, s *Server) error
	// DeleteServer deletes the server; foreign keys cascade to its versions,
	// tags, version tags, aliases and endpoints.
	DeleteServer(ctx context.Context, ws, name string) error
	ServerView(ctx context.Context, ws, name string) (*ServerView, error)
	SearchServers(ctx context.Context, ws string, q Query) ([]ServerView, []search.Value, error)

	// Version returns the row in any status, deleted included.
	Version(ctx context.Context, ws, name, version string) (*Version, error)
	// InsertVersion returns ErrDuplicate when (ws, name, version) exists,
	// deleted or not.
	InsertVersion(ctx context.Context, v *Version) error
	UpdateVersion(ctx context.Context, v *Version) error
	// VersionView returns a version with its aliases and tags; a deleted one
	// only when includeDeleted.
	VersionView(ctx context.Context, ws, name, version string, includeDeleted bool) (*VersionView, error)
	// Latest resolves the latest version (LatestOrder); nil when none.
	Latest(ctx context.Context, ws, name string) (*Version, error)
	// ActiveVersion returns the highest active version string, if any.
	ActiveVersion(ctx context.Context, ws, name string) (*string, error)
	SearchVersions(ctx context.Context, ws, name string, q Query) ([]VersionView, []search.Value, error)

	SetServerTag(ctx context.Context, ws, name string, t Tag) error
	DeleteServerTag(ctx context.Context, ws, name, key string) (bool, error)
	SetVersionTag(ctx context.Context, ws, name, version string, t Tag) error
	DeleteVersionTag(ctx context.Context, ws, name, version, key string) (bool, error)

	Alias(ctx context.Context, ws, name, alias string) (*Alias, error)
	SetAlias(ctx context.Context, ws, name string, a Alias) error
	DeleteAlias(ctx context.Context, ws, name, alias string) (bool, error)
	// AliasesTo lists the aliases of the server that point at version.
	AliasesTo(ctx context.Context, ws, name, version string) ([]string, error)

	// Endpoint looks an endpoint up by id alone, resolvable or not.
	Endpoint(ctx context.Context, id string) (*Endpoint, error)
	InsertEndpoint(ctx context.Context, e *Endpoint) error
	UpdateEndpoint(ctx context.Context, e *Endpoint) error
	DeleteEndpoint(ctx context.Context, id string) error
	// DeleteEndpointsByAlias deletes the server's endpoints targeting any of
	// the aliases ("latest" included when named).
	DeleteEndpointsByAlias(ctx context.Context, ws, name string, aliases ...string) (int64, error)
	DeleteEndpointsByVersion(ctx context.Context, ws, name, version string) (int64, error)
	// EndpointView returns the endpoint with its resolved version, or nil when
	// it is missing or its target does not resolve now.
	EndpointView(ctx context.Context, id string) (*EndpointView, error)
	SearchEndpoints(ctx context.Context, ws string, q EndpointQuery) ([]EndpointView, []search.Value, error)
}
