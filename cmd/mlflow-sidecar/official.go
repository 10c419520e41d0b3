package main

import (
	"log/slog"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/guard"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
)

// officialRoutes mounts the official MCP registry API (/v0.1 and /v0) at the
// root and under --static-prefix. The token routes (/auth) skip
// authentication: the anonymous login must be reachable without
// credentials, and refuses by itself whenever authentication is on.
func (c *serveConfig) officialRoutes(router *proxy.Router, reg *mcpregistry.Registry, auth sidecar.Authenticator,
	own sidecar.OwnOptions, origin func(http.Handler) http.Handler, log *slog.Logger) error {
	h, err := officialapi.New(reg, officialapi.Options{StaticPrefix: c.staticPrefix, Auth: officialAuthMode(auth), Logger: log})
	if err != nil {
		return err
	}
	anonymous := own
	anonymous.Auth = nil
	for _, p := range officialapi.Prefixes {
		for _, a := range officialapi.AuthPaths {
			if err := router.Handle(proxy.Route{Name: "official-registry " + p + a, Path: p + a, Subtree: true,
				Placement: proxy.Anywhere, Handler: origin(sidecar.Own(h, anonymous))}); err != nil {
				return err
			}
		}
		if err := router.Handle(proxy.Route{Name: "official-registry " + p, Path: p, Subtree: true,
			Placement: proxy.Anywhere, Handler: origin(sidecar.Own(h, own))}); err != nil {
			return err
		}
	}
	return nil
}

// officialAuthMode tells the official API whether the sidecar authenticates
// its own routes right now (--auth=auto follows MLflow and may change).
func officialAuthMode(a sidecar.Authenticator) func() officialapi.AuthMode {
	switch a := a.(type) {
	case nil, guard.None:
		return func() officialapi.AuthMode { return officialapi.AuthOff }
	case *guard.Auto:
		return func() officialapi.AuthMode {
			switch a.Mode() {
			case guard.ModeNone:
				return officialapi.AuthOff
			case guard.ModeMLflow:
				return officialapi.AuthOn
			}
			return officialapi.AuthUnknown
		}
	}
	return func() officialapi.AuthMode { return officialapi.AuthOn }
}
