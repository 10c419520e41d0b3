package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

type api struct {
	reg *mcpregistry.Registry
	log *slog.Logger
}

func actorOf(r *http.Request) scope.Scope { return scope.From(r.Context()) }

func vars(r *http.Request) map[string]string { return mux.Vars(r) }

func (a *api) ok(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	// MLflow (Python's json) writes <, > and & as they are.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		a.log.Warn("writing response failed", "err", err)
	}
}

// fail sends err in MLflow's format. Errors of no known kind are logged in
// full here, since the client only sees a generic message.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	if _, status := mlflowerr.Code(err); status >= http.StatusInternalServerError {
		a.log.ErrorContext(r.Context(), "registry request failed", "method", r.Method, "path", r.URL.EscapedPath(), "err", err)
	}
	mlflowerr.Write(w, err)
}

func methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	// FastAPI's answer, which MLflow's registry router gives for a known path
	// with an unknown method.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = w.Write([]byte(`{"detail":"Method Not Allowed"}` + "\n"))
}

func (a *api) notFound(w http.ResponseWriter, r *http.Request) {
	mlflowerr.WriteCode(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No registry route matches "+r.Method+" "+r.URL.EscapedPath())
}

// body reads a JSON object body; on failure it has already answered.
func (a *api) body(w http.ResponseWriter, r *http.Request) (*wire.Body, bool) {
	b, err := wire.ReadBody(r)
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return b, true
}

func searchRequest(r *http.Request) (mcpregistry.SearchRequest, error) {
	q := r.URL.Query()
	max, err := wire.QueryMaxResults(q)
	if err != nil {
		return mcpregistry.SearchRequest{}, err
	}
	req := mcpregistry.SearchRequest{OrderBy: q["order_by"], MaxResults: max}
	if f := wire.LastQuery(q, "filter_string"); f != nil {
		req.Filter = *f
	}
	if t := wire.LastQuery(q, "page_token"); t != nil {
		req.PageToken = *t
	}
	return req, nil
}

func optQuery(r *http.Request, name string) *string { return wire.LastQuery(r.URL.Query(), name) }
