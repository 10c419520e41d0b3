package wire

import "encoding/json"

// Server is MLflow's MCPServerResponse.
type Server struct {
	Name                 string             `json:"name"`
	DisplayName          *string            `json:"display_name"`
	Description          *string            `json:"description"`
	Icons                json.RawMessage    `json:"icons"`
	Workspace            string             `json:"workspace"`
	Status               *string            `json:"status"`
	AccessEndpoints      []EndpointSummary  `json:"access_endpoints"`
	LatestVersion        *string            `json:"latest_version"`
	Aliases              []Alias            `json:"aliases"`
	Tags                 map[string]*string `json:"tags"`
	CreatedBy            *string            `json:"created_by"`
	LastUpdatedBy        *string            `json:"last_updated_by"`
	CreationTimestamp    int64              `json:"creation_timestamp"`
	LastUpdatedTimestamp int64              `json:"last_updated_timestamp"`
}

// Alias is one entry of Server.Aliases.
type Alias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

// Version is MLflow's MCPServerVersionResponse.
type Version struct {
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	ServerJSON  json.RawMessage `json:"server_json"`
	DisplayName *string         `json:"display_name"`
	Workspace   string          `json:"workspace"`
	Status      string          `json:"status"`
	// Tools is always a list here; each tool carries all eight keys.
	Tools                json.RawMessage    `json:"tools"`
	Aliases              []string           `json:"aliases"`
	Tags                 map[string]*string `json:"tags"`
	Source               *string            `json:"source"`
	CreatedBy            *string            `json:"created_by"`
	LastUpdatedBy        *string            `json:"last_updated_by"`
	CreationTimestamp    int64              `json:"creation_timestamp"`
	LastUpdatedTimestamp int64              `json:"last_updated_timestamp"`
}

// Endpoint is MLflow's MCPAccessEndpointResponse.
type Endpoint struct {
	ID            string `json:"id"`
	ServerName    string `json:"server_name"`
	URL           string `json:"url"`
	TransportType string `json:"transport_type"`
	Workspace     string `json:"workspace"`
	// Tools copies the resolved version's tools; unlike Version.Tools it is
	// null when the version stores none.
	Tools                json.RawMessage `json:"tools"`
	ServerVersion        *string         `json:"server_version"`
	ServerAlias          *string         `json:"server_alias"`
	ResolvedVersion      *Version        `json:"resolved_version"`
	CreatedBy            *string         `json:"created_by"`
	LastUpdatedBy        *string         `json:"last_updated_by"`
	CreationTimestamp    int64           `json:"creation_timestamp"`
	LastUpdatedTimestamp int64           `json:"last_updated_timestamp"`
}

// EndpointSummary is an endpoint inside Server.AccessEndpoints (no tools).
type EndpointSummary struct {
	ID                   string   `json:"id"`
	ServerName           string   `json:"server_name"`
	URL                  string   `json:"url"`
	TransportType        string   `json:"transport_type"`
	Workspace            string   `json:"workspace"`
	ServerVersion        *string  `json:"server_version"`
	ServerAlias          *string  `json:"server_alias"`
	ResolvedVersion      *Version `json:"resolved_version"`
	CreatedBy            *string  `json:"created_by"`
	LastUpdatedBy        *string  `json:"last_updated_by"`
	CreationTimestamp    int64    `json:"creation_timestamp"`
	LastUpdatedTimestamp int64    `json:"last_updated_timestamp"`
}

// SearchServers is the body of GET /mcp-servers.
type SearchServers struct {
	Servers       []Server `json:"mcp_servers"`
	NextPageToken *string  `json:"next_page_token"`
}

// SearchVersions is the body of GET /mcp-servers/{name}/versions.
type SearchVersions struct {
	Versions      []Version `json:"mcp_server_versions"`
	NextPageToken *string   `json:"next_page_token"`
}

// SearchEndpoints is the body of both endpoint search routes.
type SearchEndpoints struct {
	Endpoints     []Endpoint `json:"mcp_access_endpoints"`
	NextPageToken *string    `json:"next_page_token"`
}

// Empty is the `{}` of deletes and tag/alias writes.
type Empty struct{}

// Request bodies, as clients send them. Pointer fields with omitempty are
// optional and never sent as null; Patch fields tell absent from null. The
// server does not decode into these types: it reads bodies field by field
// with Body (request.go) to reproduce MLflow's validation messages.

// CreateServerRequest is POST /mcp-servers.
type CreateServerRequest struct {
	Name        string          `json:"name"`
	Description *string         `json:"description,omitempty"`
	Icons       json.RawMessage `json:"icons,omitempty"`
}

// UpdateServerRequest is PATCH /mcp-servers/{name} (merge-patch: an absent
// field is unchanged, Null clears it). An empty request is valid and only
// bumps last_updated_*.
type UpdateServerRequest struct {
	DisplayName Patch[string] `json:"display_name,omitzero"`
	Description Patch[string] `json:"description,omitzero"`
	// Icons is a JSON list of icons; Value of "[]" stores an empty list,
	// Null clears it.
	Icons Patch[json.RawMessage] `json:"icons,omitzero"`
}

// CreateVersionRequest is POST /mcp-servers/{name}/versions.
type CreateVersionRequest struct {
	ServerJSON                 json.RawMessage `json:"server_json"`
	DisplayName                *string         `json:"display_name,omitempty"`
	Status                     *string         `json:"status,omitempty"`
	Source                     *string         `json:"source,omitempty"`
	Tools                      json.RawMessage `json:"tools,omitempty"`
	CreateEndpointsFromRemotes bool            `json:"create_access_endpoints_from_remotes,omitempty"`
}

// UpdateVersionRequest is PATCH /mcp-servers/{name}/versions/{version}.
// Status cannot be null on the wire (MLflow rejects it), so it is a plain
// optional; server_json and source are immutable.
type UpdateVersionRequest struct {
	DisplayName Patch[string] `json:"display_name,omitzero"`
	Status      *string       `json:"status,omitempty"`
	// Tools is a JSON list of tools; Null stores NULL (shown as []).
	Tools Patch[json.RawMessage] `json:"tools,omitzero"`
}

// CreateEndpointRequest is POST /mcp-servers/{name}/endpoints.
type CreateEndpointRequest struct {
	URL           string  `json:"url"`
	TransportType *string `json:"transport_type,omitempty"`
	ServerVersion *string `json:"server_version,omitempty"`
	ServerAlias   *string `json:"server_alias,omitempty"`
}

// UpdateEndpointRequest is PATCH /mcp-servers/{name}/endpoints/{id}. MLflow
// ignores a null transport_type, server_version or server_alias and rejects a
// null url, so every field is a plain optional. Setting ServerVersion clears
// the alias target and vice versa; setting both is an error.
type UpdateEndpointRequest struct {
	URL           *string `json:"url,omitempty"`
	TransportType *string `json:"transport_type,omitempty"`
	ServerVersion *string `json:"server_version,omitempty"`
	ServerAlias   *string `json:"server_alias,omitempty"`
}

// SetTagRequest is POST .../tags.
type SetTagRequest struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SetAliasRequest is POST .../aliases.
type SetAliasRequest struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}
