package httpapi

import (
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

var errStatusNull = mlflowerr.Invalid("status cannot be null; omit the field to leave it unchanged")

func (a *api) tagBody(w http.ResponseWriter, r *http.Request) (mcpregistry.Tag, bool) {
	b, ok := a.body(w, r)
	if !ok {
		return mcpregistry.Tag{}, false
	}
	key, value := b.String("key"), b.String("value")
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return mcpregistry.Tag{}, false
	}
	return mcpregistry.Tag{Key: key, Value: &value}, true
}

func (a *api) setServerTag(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tagBody(w, r)
	if !ok {
		return
	}
	a.done(w, r, a.reg.SetServerTag(r.Context(), actorOf(r), vars(r)["name"], t))
}

func (a *api) deleteServerTag(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.reg.DeleteServerTag(r.Context(), actorOf(r), vars(r)["name"], vars(r)["key"]))
}

func (a *api) setVersionTag(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tagBody(w, r)
	if !ok {
		return
	}
	a.done(w, r, a.reg.SetVersionTag(r.Context(), actorOf(r), vars(r)["name"], vars(r)["version"], t))
}

func (a *api) deleteVersionTag(w http.ResponseWriter, r *http.Request) {
	v := vars(r)
	a.done(w, r, a.reg.DeleteVersionTag(r.Context(), actorOf(r), v["name"], v["version"], v["key"]))
}

func (a *api) setAlias(w http.ResponseWriter, r *http.Request) {
	b, ok := a.body(w, r)
	if !ok {
		return
	}
	alias, version := b.String("alias"), b.String("version")
	if err := b.Err(); err != nil {
		a.fail(w, r, err)
		return
	}
	a.done(w, r, a.reg.SetAlias(r.Context(), actorOf(r), vars(r)["name"], alias, version))
}

func (a *api) getAlias(w http.ResponseWriter, r *http.Request) {
	v, err := a.reg.GetVersionByAlias(r.Context(), actorOf(r), vars(r)["name"], vars(r)["alias"])
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.FromVersion(v))
}

func (a *api) deleteAlias(w http.ResponseWriter, r *http.Request) {
	a.done(w, r, a.reg.DeleteAlias(r.Context(), actorOf(r), vars(r)["name"], vars(r)["alias"]))
}

// done answers a write that returns nothing: {} or the error.
func (a *api) done(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, wire.Empty{})
}
