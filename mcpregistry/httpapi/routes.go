// Package httpapi serves MLflow 3.15's MCP registry REST API
// (`/ajax-api/3.0/mlflow/mcp-servers` and `/api/3.0/mlflow/mcp-servers`):
// it decodes requests, calls the registry service and encodes responses.
// Rules live in package mcpregistry, not here.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// Prefixes are the two mounts of the registry API, before --static-prefix.
var Prefixes = []string{"/ajax-api/3.0/mlflow/mcp-servers", "/api/3.0/mlflow/mcp-servers"}

// Options configure the API handler.
type Options struct {
	// StaticPrefix is MLflow's --static-prefix ("" or "/something").
	StaticPrefix string
	Logger       *slog.Logger
}

// Handler serves every registry route under both prefixes.
//
// Routes are matched in MLflow's registration order on the decoded path, as
// Starlette does: `{name}` and `{version}` may contain "/" (a raw slash and
// %2F reach the same handler), static routes come first and the catch-all
// GET/PATCH/DELETE `/{name}` last. The reserved slugs (aliases, endpoints,
// tags, versions) keep names unambiguous. A path that matches a route with
// another method gets 405, like FastAPI.
func Handler(reg *mcpregistry.Registry, opt Options) http.Handler {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &api{reg: reg, log: log}
	r := mux.NewRouter()
	r.SkipClean(true) // never rewrite "//" or ".." in names; reject them in validation instead
	r.MethodNotAllowedHandler = http.HandlerFunc(methodNotAllowed)
	r.NotFoundHandler = http.HandlerFunc(a.notFound)
	for _, p := range Prefixes {
		s := r.PathPrefix(opt.StaticPrefix + p).Subrouter()
		s.HandleFunc("", a.createServer).Methods(http.MethodPost)
		s.HandleFunc("", a.searchServers).Methods(http.MethodGet)
		s.HandleFunc("/endpoints", a.searchAllEndpoints).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/versions/{version:.*}/tags", a.setVersionTag).Methods(http.MethodPost)
		s.HandleFunc("/{name:.*}/versions/{version:.*}/tags/{key:.*}", a.deleteVersionTag).Methods(http.MethodDelete)
		s.HandleFunc("/{name:.*}/versions/{version:.*}", a.getVersion).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/versions/{version:.*}", a.updateVersion).Methods(http.MethodPatch)
		s.HandleFunc("/{name:.*}/versions/{version:.*}", a.deleteVersion).Methods(http.MethodDelete)
		s.HandleFunc("/{name:.*}/versions", a.createVersion).Methods(http.MethodPost)
		s.HandleFunc("/{name:.*}/versions", a.searchVersions).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/endpoints", a.createEndpoint).Methods(http.MethodPost)
		s.HandleFunc("/{name:.*}/endpoints/{id:[^/]*}", a.getEndpoint).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/endpoints/{id:[^/]*}", a.updateEndpoint).Methods(http.MethodPatch)
		s.HandleFunc("/{name:.*}/endpoints/{id:[^/]*}", a.deleteEndpoint).Methods(http.MethodDelete)
		s.HandleFunc("/{name:.*}/endpoints", a.searchServerEndpoints).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/tags", a.setServerTag).Methods(http.MethodPost)
		s.HandleFunc("/{name:.*}/tags/{key:.*}", a.deleteServerTag).Methods(http.MethodDelete)
		s.HandleFunc("/{name:.*}/aliases", a.setAlias).Methods(http.MethodPost)
		s.HandleFunc("/{name:.*}/aliases/{alias:.*}", a.getAlias).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}/aliases/{alias:.*}", a.deleteAlias).Methods(http.MethodDelete)
		s.HandleFunc("/{name:.*}", a.getServer).Methods(http.MethodGet)
		s.HandleFunc("/{name:.*}", a.updateServer).Methods(http.MethodPatch)
		s.HandleFunc("/{name:.*}", a.deleteServer).Methods(http.MethodDelete)
	}
	return r
}
