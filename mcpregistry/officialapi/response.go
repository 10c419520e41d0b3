package officialapi

import (
	"encoding/json"
	"time"

	apiv0 "github.com/modelcontextprotocol/registry/pkg/api/v0"
	"github.com/modelcontextprotocol/registry/pkg/model"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// OfficialMetaKey is the official registry's key in a response's _meta.
const OfficialMetaKey = "io.modelcontextprotocol.registry/official"

// MetaKey is this registry's key in a response's _meta: a reverse-DNS name
// under the project's own namespace, as the official API asks of
// sub-registries that add metadata.
const MetaKey = "io.github.mlflow-sidecar/registry"

// ServerResponse is one item: the server.json exactly as registered, and the
// registry's metadata beside it. It mirrors apiv0.ServerResponse, which
// cannot be used as it is: its ServerJSON would re-encode the document
// (dropping fields it does not know and adding an empty "$schema"), and its
// _meta has no room for a sub-registry's key. The official metadata itself
// is apiv0.RegistryExtensions.
type ServerResponse struct {
	Server json.RawMessage `json:"server"`
	Meta   ResponseMeta    `json:"_meta"`
}

// ResponseMeta is the _meta of an item.
type ResponseMeta struct {
	Official *apiv0.RegistryExtensions `json:"io.modelcontextprotocol.registry/official,omitempty"`
	Registry *Extension                `json:"io.github.mlflow-sidecar/registry,omitempty"`
}

// ServerListResponse is the body of GET /servers and
// GET /servers/{name}/versions; its metadata is apiv0.Metadata.
type ServerListResponse struct {
	Servers  []ServerResponse `json:"servers"`
	Metadata apiv0.Metadata   `json:"metadata"`
}

// AllVersionsStatusResponse answers PATCH /servers/{name}/status, as the
// official server does: the count and the versions changed.
type AllVersionsStatusResponse struct {
	UpdatedCount int              `json:"updatedCount"`
	Servers      []ServerResponse `json:"servers"`
}

// Extension is what this registry adds to each item: what MLflow keeps
// about the version beyond its server.json.
type Extension struct {
	Workspace   string  `json:"workspace"`
	DisplayName *string `json:"displayName,omitempty"`
	// Aliases are the aliases that point at this version ("latest" is
	// isLatest in the official metadata).
	Aliases []string `json:"aliases"`
	// Tags are the version's tags; ServerTags its server's.
	Tags       map[string]*string `json:"tags"`
	ServerTags map[string]*string `json:"serverTags"`
	// Tools is the version's tool list as registered; [] when none.
	Tools json.RawMessage `json:"tools"`
	// AccessEndpoints are where approved copies of this version run: every
	// endpoint that resolves to it now.
	AccessEndpoints []AccessEndpoint `json:"accessEndpoints"`
}

// AccessEndpoint is an MLflow access endpoint resolving to the version. It
// targets either the version itself or an alias ("latest" included).
type AccessEndpoint struct {
	ID            string  `json:"id"`
	URL           string  `json:"url"`
	TransportType string  `json:"transportType"`
	ServerVersion *string `json:"serverVersion,omitempty"`
	ServerAlias   *string `json:"serverAlias,omitempty"`
}

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// item renders a published version. Timestamps: publishedAt is created_at;
// updatedAt and statusChangedAt are last_updated_at, which MLflow bumps on
// every change of the version (status, display name, tools); it has no
// separate status-change time, so statusChangedAt may be later than the
// status change itself.
func item(p *mcpregistry.Published) ServerResponse {
	updated := millis(p.LastUpdatedAt)
	ext := &Extension{
		Workspace: p.Workspace, DisplayName: p.DisplayName, Aliases: p.Aliases,
		Tags: tagMap(p.Tags), ServerTags: tagMap(p.ServerTags), Tools: p.Tools,
		AccessEndpoints: make([]AccessEndpoint, len(p.Endpoints)),
	}
	if ext.Tools == nil {
		ext.Tools = json.RawMessage("[]")
	}
	for i, e := range p.Endpoints {
		ext.AccessEndpoints[i] = AccessEndpoint{ID: e.ID, URL: e.URL, TransportType: string(e.TransportType),
			ServerVersion: e.ServerVersion, ServerAlias: e.ServerAlias}
	}
	return ServerResponse{
		Server: p.ServerJSON,
		Meta: ResponseMeta{
			Official: &apiv0.RegistryExtensions{
				Status: model.Status(p.Status), StatusChangedAt: updated, StatusMessage: p.StatusMessage(),
				PublishedAt: millis(p.CreatedAt), UpdatedAt: updated, IsLatest: p.IsLatest,
			},
			Registry: ext,
		},
	}
}

func items(ps []mcpregistry.Published) []ServerResponse {
	out := make([]ServerResponse, len(ps))
	for i := range ps {
		out[i] = item(&ps[i])
	}
	return out
}

func tagMap(tags []mcpregistry.Tag) map[string]*string {
	m := make(map[string]*string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
