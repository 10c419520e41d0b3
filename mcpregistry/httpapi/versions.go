package httpapi

import (
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func (a *api) createVersion(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	in := mcpregistry.CreateVersionInput{ServerJSON: b.Object("server_json")}
	in.DisplayName = b.NullableString("display_name").Value
	in.Status = b.OptString("status")
	in.Source = b.NullableString("source").Value
	if tools := b.NullableList("tools"); tools.Value != nil {
		in.Tools = *tools.Value
	}
	in.CreateEndpointsFromRemotes = b.Bool("create_access_endpoints_from_remotes")
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.reg.CreateVersion(r.Context(), actorOf(r), vars(r)["name"], in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromVersion(v))
}

func (a *api) searchVersions(w http.ResponseWriter, r *http.Request) {
	req, err := searchRequest(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.reg.SearchVersions(r.Context(), actorOf(r), vars(r)["name"], req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := wire.SearchVersions{Versions: make([]wire.Version, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for i := range page.Items {
		out.Versions = append(out.Versions, wire.FromVersion(&page.Items[i]))
	}
	a.ok(w, out)
}

func (a *api) getVersion(w http.ResponseWriter, r *http.Request) {
	v, err := a.reg.GetVersion(r.Context(), actorOf(r), vars(r)["name"], vars(r)["version"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromVersion(v))
}

func (a *api) updateVersion(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	p := mcpregistry.VersionPatch{DisplayName: b.NullableString("display_name")}
	status := b.NullableString("status")
	p.Tools = b.NullableList("tools")
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	if status.Set && status.Value == nil {
		a.fail(w, r, errStatusNull)
		return
	}
	p.Status = status.Value
	v, err := a.reg.UpdateVersion(r.Context(), actorOf(r), vars(r)["name"], vars(r)["version"], p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromVersion(v))
}

func (a *api) deleteVersion(w http.ResponseWriter, r *http.Request) {
	if err := a.reg.DeleteVersion(r.Context(), actorOf(r), vars(r)["name"], vars(r)["version"]); err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.Empty{})
}
