package httpapi

import (
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func (a *api) createServer(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	in := mcpregistry.CreateServerInput{Name: b.String("name")}
	in.Description = b.NullableString("description").Value
	if icons := b.NullableList("icons"); icons.Value != nil {
		in.Icons = *icons.Value
	}
	// display_name cannot be set at creation; MLflow ignores it silently.
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.reg.CreateServer(r.Context(), actorOf(r), in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromServer(v))
}

func (a *api) searchServers(w http.ResponseWriter, r *http.Request) {
	req, err := searchRequest(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.reg.SearchServers(r.Context(), actorOf(r), req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := wire.SearchServers{Servers: make([]wire.Server, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for i := range page.Items {
		out.Servers = append(out.Servers, wire.FromServer(&page.Items[i]))
	}
	a.ok(w, out)
}

func (a *api) getServer(w http.ResponseWriter, r *http.Request) {
	v, err := a.reg.GetServer(r.Context(), actorOf(r), vars(r)["name"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromServer(v))
}

func (a *api) updateServer(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	b.Forbid("latest_version", "latest_version is read-only; it is resolved automatically from semantic-version ordering")
	p := mcpregistry.ServerPatch{
		DisplayName: b.NullableString("display_name"),
		Description: b.NullableString("description"),
		Icons:       b.NullableList("icons"),
	}
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.reg.UpdateServer(r.Context(), actorOf(r), vars(r)["name"], p)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromServer(v))
}

func (a *api) deleteServer(w http.ResponseWriter, r *http.Request) {
	if err := a.reg.DeleteServer(r.Context(), actorOf(r), vars(r)["name"]); err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.Empty{})
}
