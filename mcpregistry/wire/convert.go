package wire

import (
	"encoding/json"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// FromServer renders a server view as MLflow does.
func FromServer(v *mcpregistry.ServerView) Server {
	out := Server{
		Name:                 v.Name,
		DisplayName:          v.DisplayName,
		Description:          v.EffectiveDescription(),
		Icons:                rawOrNull(v.Icons),
		Workspace:            v.Workspace,
		AccessEndpoints:      make([]EndpointSummary, 0, len(v.Endpoints)),
		Aliases:              make([]Alias, 0, len(v.Aliases)),
		Tags:                 tags(v.Tags),
		CreatedBy:            v.CreatedBy,
		LastUpdatedBy:        v.LastUpdatedBy,
		CreationTimestamp:    v.CreatedAt,
		LastUpdatedTimestamp: v.LastUpdatedAt,
	}
	if v.Latest != nil {
		st := string(v.Latest.Status)
		out.Status, out.LatestVersion = &st, &v.Latest.Version
	}
	for i := range v.Endpoints {
		e := FromEndpoint(&v.Endpoints[i])
		out.AccessEndpoints = append(out.AccessEndpoints, EndpointSummary{
			ID: e.ID, ServerName: e.ServerName, URL: e.URL, TransportType: e.TransportType, Workspace: e.Workspace,
			ServerVersion: e.ServerVersion, ServerAlias: e.ServerAlias, ResolvedVersion: e.ResolvedVersion,
			CreatedBy: e.CreatedBy, LastUpdatedBy: e.LastUpdatedBy,
			CreationTimestamp: e.CreationTimestamp, LastUpdatedTimestamp: e.LastUpdatedTimestamp,
		})
	}
	for _, a := range v.Aliases {
		out.Aliases = append(out.Aliases, Alias{Alias: a.Alias, Version: a.Version})
	}
	return out
}

// FromVersion renders a version view.
func FromVersion(v *mcpregistry.VersionView) Version {
	aliases := v.Aliases
	if aliases == nil {
		aliases = []string{}
	}
	return Version{
		Name:                 v.Name,
		Version:              v.Version.Version,
		ServerJSON:           rawOrNull(v.ServerJSON),
		DisplayName:          v.DisplayName,
		Workspace:            v.Workspace,
		Status:               string(v.Status),
		Tools:                responseTools(v.Tools),
		Aliases:              aliases,
		Tags:                 tags(v.Tags),
		Source:               v.Source,
		CreatedBy:            v.CreatedBy,
		LastUpdatedBy:        v.LastUpdatedBy,
		CreationTimestamp:    v.CreatedAt,
		LastUpdatedTimestamp: v.LastUpdatedAt,
	}
}

// FromEndpoint renders an endpoint view.
func FromEndpoint(e *mcpregistry.EndpointView) Endpoint {
	out := Endpoint{
		ID:                   e.ID,
		ServerName:           e.ServerName,
		URL:                  e.URL,
		TransportType:        string(e.TransportType),
		Workspace:            e.Workspace,
		Tools:                json.RawMessage("null"),
		ServerVersion:        e.ServerVersion,
		ServerAlias:          e.ServerAlias,
		CreatedBy:            e.CreatedBy,
		LastUpdatedBy:        e.LastUpdatedBy,
		CreationTimestamp:    e.CreatedAt,
		LastUpdatedTimestamp: e.LastUpdatedAt,
	}
	if e.Resolved != nil {
		rv := FromVersion(e.Resolved)
		out.ResolvedVersion = &rv
		if len(e.Resolved.Tools) > 0 && string(e.Resolved.Tools) != "null" {
			out.Tools = rv.Tools
		}
	}
	return out
}

func tags(ts []mcpregistry.Tag) map[string]*string {
	m := make(map[string]*string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	return r
}
