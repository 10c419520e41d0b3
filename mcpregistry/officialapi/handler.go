package officialapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// Prefixes are the API's two mounts: /v0.1 (stable) and /v0, which the
// official server serves identically and the official publisher uses.
var Prefixes = []string{"/v0.1", "/v0"}

// AuthMode is how the sidecar authenticates its own routes at the moment
// of a request. With --auth=auto it follows MLflow and may change.
type AuthMode int

// The modes that matter here.
const (
	// AuthOff: no authentication; anonymous tokens are issued and writes
	// need one.
	AuthOff AuthMode = iota
	// AuthOn: the sidecar's authentication admitted the request before it
	// got here; anonymous tokens are refused.
	AuthOn
	// AuthUnknown: --auth=auto has not heard from MLflow yet.
	AuthUnknown
)

// Options configure the handler.
type Options struct {
	// StaticPrefix is MLflow's --static-prefix ("" or "/something"). The
	// API answers under it and at the root.
	StaticPrefix string
	// Auth reports the authentication mode; nil means AuthOff.
	Auth func() AuthMode
	// TokenKey signs anonymous tokens (at least 32 bytes); nil: a random
	// key per process.
	TokenKey []byte
	// Clock is "now" for tokens; time.Now when nil.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Handler serves the official registry API.
type Handler struct {
	reg   *mcpregistry.Registry
	opt   Options
	log   *slog.Logger
	sign  *signer
	bases []string // escaped mounts, the static prefix ones first
}

// New returns the handler of every route under both prefixes. Wrap it as
// the sidecar's other own routes are (Origin rule, authentication,
// workspace, body limit); the /auth routes must stay reachable without
// credentials, so they are routed separately without authentication (see
// AuthPaths).
func New(reg *mcpregistry.Registry, opt Options) (*Handler, error) {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Auth == nil {
		opt.Auth = func() AuthMode { return AuthOff }
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	s, err := newSigner(opt.TokenKey, opt.Clock)
	if err != nil {
		return nil, err
	}
	h := &Handler{reg: reg, opt: opt, log: log, sign: s}
	prefix := (&url.URL{Path: opt.StaticPrefix}).EscapedPath()
	for _, p := range Prefixes {
		if prefix != "" {
			h.bases = append(h.bases, prefix+p)
		}
	}
	h.bases = append(h.bases, Prefixes...)
	return h, nil
}

// AuthPaths are the routes (below each prefix) that issue tokens and so
// must be reachable without credentials.
var AuthPaths = []string{"/auth"}

// route is one endpoint: its path segments ("{}" matches any one segment)
// and method.
type route struct {
	segs   []string
	method string
	serve  func(h *Handler, w http.ResponseWriter, r *http.Request, params []string)
}

// paramNames name the path parameters in their order, for messages.
var paramNames = []string{"server name", "version"}

var routes = []route{
	{[]string{"servers"}, http.MethodGet, (*Handler).listServers},
	{[]string{"servers", "{}", "versions"}, http.MethodGet, (*Handler).listVersions},
	{[]string{"servers", "{}", "versions", "{}"}, http.MethodGet, (*Handler).getVersion},
	{[]string{"servers", "{}", "versions", "{}", "status"}, http.MethodPatch, (*Handler).setVersionStatus},
	{[]string{"servers", "{}", "status"}, http.MethodPatch, (*Handler).setServerStatus},
	{[]string{"publish"}, http.MethodPost, (*Handler).publish},
	{[]string{"auth", "none"}, http.MethodPost, (*Handler).anonymousToken},
}

// ServeHTTP dispatches on the escaped path, so that an encoded slash in a
// server name (io.github.user%2Fweather) stays inside its segment.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := h.rest(r.URL.EscapedPath())
	if !ok || !strings.HasPrefix(rest, "/") {
		writeProblem(w, newProblem(http.StatusNotFound, "Endpoint not found. See /docs for the API documentation."))
		return
	}
	segs := strings.Split(rest[1:], "/")
	pathMatched := false
	for _, rt := range routes {
		raw, ok := match(rt.segs, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if r.Method != rt.method {
			continue
		}
		params := make([]string, len(raw))
		for i, s := range raw {
			v, err := url.PathUnescape(s)
			if err != nil {
				writeProblem(w, newProblem(http.StatusBadRequest, "Invalid "+paramNames[min(i, 1)]+" encoding"))
				return
			}
			params[i] = v
		}
		rt.serve(h, w, r, params)
		return
	}
	if pathMatched {
		w.Header().Set("Allow", allowed(segs))
		writeProblem(w, newProblem(http.StatusMethodNotAllowed, "Method not allowed"))
		return
	}
	writeProblem(w, newProblem(http.StatusNotFound, "Endpoint not found. See /docs for the API documentation."))
}

// rest is the escaped path after the mount, "" for the mount itself.
func (h *Handler) rest(path string) (string, bool) {
	for _, b := range h.bases {
		if path == b || strings.HasPrefix(path, b+"/") {
			return path[len(b):], true
		}
	}
	return "", false
}

func match(pattern, segs []string) ([]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range pattern {
		switch {
		case p == "{}" && segs[i] != "":
			params = append(params, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}

func allowed(segs []string) string {
	var methods []string
	for _, rt := range routes {
		if _, ok := match(rt.segs, segs); ok {
			methods = append(methods, rt.method)
		}
	}
	return strings.Join(methods, ", ")
}

// ok writes a 200 JSON body.
func (h *Handler) ok(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		h.log.WarnContext(r.Context(), "writing a /v0.1 response failed", "err", err)
	}
}

// fail writes err as problem details, logging what the client does not see.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, opDetail string) {
	p := problemFor(err, opDetail)
	if p.Status == http.StatusInternalServerError {
		h.log.ErrorContext(r.Context(), "official registry API request failed", "method", r.Method,
			"path", r.URL.EscapedPath(), "err", err)
	}
	writeProblem(w, p)
}
