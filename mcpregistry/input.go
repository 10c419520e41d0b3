package mcpregistry

import "encoding/json"

// Field is a PATCH field: absent (Set false), null (Set, Value nil) or a value.
type Field[T any] struct {
	Set   bool
	Value *T
}

// CreateServerInput is POST /mcp-servers. Icons is the raw JSON of the field
// (nil when absent; JSON null accepted).
type CreateServerInput struct {
	Name        string
	Description *string
	Icons       json.RawMessage
}

// ServerPatch is PATCH /mcp-servers/{name} (merge-patch semantics).
type ServerPatch struct {
	DisplayName Field[string]
	Description Field[string]
	Icons       Field[json.RawMessage]
}

// CreateVersionInput is POST /mcp-servers/{name}/versions.
type CreateVersionInput struct {
	ServerJSON  json.RawMessage
	DisplayName *string
	// Status defaults to draft when nil.
	Status *string
	Source *string
	// Tools is the raw JSON list (nil or JSON null: none stored).
	Tools json.RawMessage
	// CreateEndpointsFromRemotes adds one access endpoint per server.json
	// remote whose URL has no unresolved {variables}; needs status active.
	CreateEndpointsFromRemotes bool
}

// VersionPatch is PATCH /mcp-servers/{name}/versions/{version}. A JSON null
// status is rejected by the wire layer, so Status nil means "unchanged".
type VersionPatch struct {
	DisplayName Field[string]
	Status      *string
	Tools       Field[json.RawMessage]
}

// CreateEndpointInput is POST /mcp-servers/{name}/endpoints.
type CreateEndpointInput struct {
	URL           string
	TransportType *string
	ServerVersion *string
	ServerAlias   *string
}

// EndpointPatch is PATCH /mcp-servers/{name}/endpoints/{id}. Null
// transport_type, server_version and server_alias mean "unchanged", as in
// MLflow; a null url is an error.
type EndpointPatch struct {
	URL           Field[string]
	TransportType *string
	ServerVersion *string
	ServerAlias   *string
}

// SearchRequest is what every search route takes from its query string.
type SearchRequest struct {
	Filter     string
	OrderBy    []string
	MaxResults *int // nil: the default
	PageToken  string
}

// EndpointSearchRequest adds the endpoint routes' target parameters.
type EndpointSearchRequest struct {
	SearchRequest
	ServerVersion *string
	ServerAlias   *string
}

// Page is one page of search results.
type Page[T any] struct {
	Items         []T
	NextPageToken *string
}
