package httpapi

import (
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func (a *api) createEndpoint(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	in := mcpregistry.CreateEndpointInput{URL: b.String("url")}
	in.TransportType = b.OptString("transport_type")
	in.ServerVersion = b.NullableString("server_version").Value
	in.ServerAlias = b.NullableString("server_alias").Value
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.reg.CreateEndpoint(r.Context(), actorOf(r), vars(r)["name"], in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromEndpoint(e))
}

func (a *api) getEndpoint(w http.ResponseWriter, r *http.Request) {
	e, err := a.reg.GetEndpoint(r.Context(), actorOf(r), vars(r)["name"], vars(r)["id"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromEndpoint(e))
}

func (a *api) updateEndpoint(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	p := mcpregistry.EndpointPatch{URL: b.NullableString("url")}
	p.TransportType = b.NullableString("transport_type").Value
	p.ServerVersion = b.NullableString("server_version").Value
	p.ServerAlias = b.NullableString("server_alias").Value
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	e, err := a.reg.UpdateEndpoint(r.Context(), actorOf(r), vars(r)["name"], vars(r)["id"], p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromEndpoint(e))
}

func (a *api) deleteEndpoint(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.reg.DeleteEndpoint(r.Context(), actorOf(r), vars(r)["name"], vars(r)["id"]))
}

func (a *api) searchAllEndpoints(w http.ResponseWriter, r *http.Request) {
	a.searchEndpoints(w, r, nil)
}

func (a *api) searchServerEndpoints(w http.ResponseWriter, r *http.Request) {
	name := vars(r)["name"]
	a.searchEndpoints(w, r, &name)
}

func (a *api) searchEndpoints(w http.ResponseWriter, r *http.Request, server *string) {
	req, err := searchRequest(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.reg.SearchEndpoints(r.Context(), actorOf(r), server, mcpregistry.EndpointSearchRequest{
		SearchRequest: req, ServerVersion: optQuery(r, "server_version"), ServerAlias: optQuery(r, "server_alias"),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := wire.SearchEndpoints{Endpoints: make([]wire.Endpoint, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for i := range page.Items {
		out.Endpoints = append(out.Endpoints, wire.FromEndpoint(&page.Items[i]))
	}
	a.ok(w, out)
}
