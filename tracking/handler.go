package tracking

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// HandlerOptions configure the trace-link HTTP handler.
type HandlerOptions struct {
	// StaticPrefix is MLflow's --static-prefix ("" or "/something").
	StaticPrefix string
	Logger       *slog.Logger
}

// Handler serves the trace-link routes (see TraceRoutePatterns and
// Handler.Serves) under both API mounts. It reads the workspace from the
// request scope, so it must sit behind the sidecar's own-route middleware.
type Handler struct {
	svc    *Service
	prefix string // escaped
	log    *slog.Logger
}

// NewHandler returns the handler of svc's routes.
func NewHandler(svc *Service, opt HandlerOptions) *Handler {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, prefix: escapePrefix(opt.StaticPrefix), log: log}
}

// Serves reports whether an escaped path (URL.EscapedPath, static prefix
// included) is one of the handler's routes, whatever the method.
func (h *Handler) Serves(rawPath string) bool {
	return matchRoute(h.prefix, rawPath).kind != routeNone
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := matchRoute(h.prefix, r.URL.EscapedPath())
	want := http.MethodGet
	if rt.kind == routeLink || rt.kind == routeUnlink {
		want = http.MethodPost
	}
	switch {
	case rt.kind == routeNone:
		mlflowerr.WriteCode(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No trace-link route matches "+r.Method+" "+r.URL.EscapedPath())
		return
	case r.Method != want:
		// FastAPI's answer for a known path with another method, as the
		// registry routes give it.
		w.Header().Set("Allow", want)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"detail":"Method Not Allowed"}` + "\n"))
		return
	}
	ws := scope.From(r.Context()).Workspace
	var out any
	var err error
	switch rt.kind {
	case routeLink, routeUnlink:
		out, err = h.link(r, ws, rt.kind == routeLink)
	case routeTraceVersions:
		out, err = h.traceVersions(r, ws, rt.traceID)
	default:
		out, err = h.traces(r, ws, rt)
	}
	if err != nil {
		if _, status := mlflowerr.Code(err); status >= http.StatusInternalServerError {
			h.log.ErrorContext(r.Context(), "trace-link request failed", "method", r.Method, "path", r.URL.EscapedPath(), "err", err)
		}
		mlflowerr.Write(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.log.WarnContext(r.Context(), "writing response failed", "err", err)
	}
}

func (h *Handler) link(r *http.Request, ws string, link bool) (any, error) {
	traceID, refs, err := decodeLinkRequest(r)
	if err != nil {
		return nil, err
	}
	if link {
		err = h.svc.Link(r.Context(), ws, traceID, refs)
	} else {
		err = h.svc.Unlink(r.Context(), ws, traceID, refs)
	}
	return wire.Empty{}, err
}

func (h *Handler) traceVersions(r *http.Request, ws, traceID string) (any, error) {
	views, err := h.svc.VersionsForTrace(r.Context(), ws, traceID)
	if err != nil {
		return nil, err
	}
	out := wire.TraceVersions{Versions: make([]wire.Version, 0, len(views))}
	for i := range views {
		out.Versions = append(out.Versions, wire.FromVersion(&views[i]))
	}
	return out, nil
}

func (h *Handler) traces(r *http.Request, ws string, rt route) (any, error) {
	q := r.URL.Query()
	max, err := wire.QueryMaxResults(q)
	if err != nil {
		return nil, err
	}
	req := PageRequest{MaxResults: max}
	if t := wire.LastQuery(q, "page_token"); t != nil {
		req.PageToken = *t
	}
	var page *TracePage
	if rt.kind == routeVersionTraces {
		page, err = h.svc.TracesForVersion(r.Context(), ws, rt.name, rt.version, req)
	} else {
		page, err = h.svc.TracesForServer(r.Context(), ws, rt.name, req)
	}
	if err != nil {
		return nil, err
	}
	out := wire.SearchTraces{Traces: make([]wire.TraceLink, 0, len(page.Items)), NextPageToken: page.NextPageToken}
	for _, it := range page.Items {
		out.Traces = append(out.Traces, wire.TraceLink{TraceID: it.TraceID, ExperimentID: it.ExperimentID,
			TimestampMs: it.TimestampMs, Status: it.Status,
			MCPServerVersion: wire.VersionRef{Name: it.Version.Name, Version: it.Version.Version}})
	}
	return out, nil
}
