package mcpregistry

import (
	"encoding/json"
)

// Server is a row of mcp_servers. JSON-typed columns stay raw: they are
// validated and canonicalised (mcpspec) on the way in and served as stored.
type Server struct {
	Workspace     string
	Name          string
	DisplayName   *string
	Description   *string
	Icons         json.RawMessage // nil when the column is NULL
	CreatedBy     *string
	LastUpdatedBy *string
	CreatedAt     int64 // epoch ms
	LastUpdatedAt int64 // epoch ms
}

// Version is a row of mcp_server_versions.
type Version struct {
	Workspace         string
	Name              string
	Version           string
	Major             int64
	Minor             int64
	Patch             int64
	PrereleaseSortKey string
	ServerJSON        json.RawMessage
	DisplayName       *string
	Status            Status
	Tools             json.RawMessage // nil when NULL (responses show [])
	Source            *string
	CreatedBy         *string
	LastUpdatedBy     *string
	CreatedAt         int64
	LastUpdatedAt     int64
}

// Tag is a server or version tag. MLflow allows a NULL value.
type Tag struct {
	Key   string
	Value *string
}

// Alias is a named pointer from a server to one of its versions.
type Alias struct {
	Alias   string
	Version string
}

// Endpoint is a row of mcp_access_endpoints: where an approved copy of a
// server runs. Exactly one of ServerVersion and ServerAlias is set.
type Endpoint struct {
	ID            string
	Workspace     string
	ServerName    string
	ServerVersion *string
	ServerAlias   *string
	URL           string
	TransportType TransportType
	CreatedBy     *string
	LastUpdatedBy *string
	CreatedAt     int64
	LastUpdatedAt int64
}

// VersionView is a version as the API shows it: with the aliases that point
// at it (sorted) and its tags (sorted by key).
type VersionView struct {
	Version
	Aliases []string
	Tags    []Tag
}

// EndpointView is an endpoint with the version its target resolves to now.
type EndpointView struct {
	Endpoint
	// Resolved is nil only in the rare answer to an update of an endpoint
	// whose target no longer resolves.
	Resolved *VersionView
}

// ServerView is a server as the API shows it.
type ServerView struct {
	Server
	// Latest is the resolved latest version (see LatestOrder), nil when the
	// server has no non-deleted version.
	Latest *Version
	// Aliases excludes the computed alias "latest"; sorted by alias.
	Aliases []Alias
	Tags    []Tag
	// Endpoints holds the endpoints whose target resolves now, by id.
	Endpoints []EndpointView
}

// EffectiveDescription is the stored description or, when that is NULL, the
// description in the latest version's server.json (MLflow's fallback).
func (s *ServerView) EffectiveDescription() *string {
	if s.Description != nil || s.Latest == nil {
		return s.Description
	}
	var doc struct {
		Description *string `json:"description"`
	}
	if json.Unmarshal(s.Latest.ServerJSON, &doc) != nil {
		return nil
	}
	return doc.Description
}

// Status of the resolved latest version; nil when there is none.
func (s *ServerView) Status() *Status {
	if s.Latest == nil {
		return nil
	}
	st := s.Latest.Status
	return &st
}
