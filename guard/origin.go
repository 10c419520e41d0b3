package guard

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
)

// OriginConfig configures the Origin rule of the sidecar's own routes.
type OriginConfig struct {
	// AllowedOrigins is --cors-allowed-origins, in MLflow's form: exact
	// origins ("https://app.example.com"), fnmatch patterns
	// ("https://*.example.com") or "*" for every origin.
	AllowedOrigins []string
	// TrustForwardedHeaders takes the client's scheme and host from
	// X-Forwarded-Proto / X-Forwarded-Host (the last value of each: the one
	// the nearest proxy set) when deciding what "same origin" is
	// (--trust-forwarded-headers; only behind a proxy that sets them).
	TrustForwardedHeaders bool
	// TrustSameOrigin, when set, says for which client hosts an Origin equal
	// to the request's own origin counts as the sidecar's: HostRule.Exact,
	// so that a host admitted only by a wildcard (which an attacker's name,
	// rebound to the sidecar's address, can match) is not trusted. Such an
	// origin is then judged like any foreign one. nil trusts every host.
	TrustSameOrigin func(host string) bool
	Logger          *slog.Logger
}

// OriginRule is MLflow's cross-origin write rule and CORS answers for the
// routes the sidecar serves itself. Proxied routes must not pass through
// it: MLflow judges their Origin (the proxy forwards foreign origins
// unchanged).
//
// An origin is allowed when it is the sidecar's own (the scheme and Host the
// client addressed, on a host OriginConfig.TrustSameOrigin vouches for), a
// localhost origin (MLflow allows any scheme and port
// on localhost, 127.0.0.1 and [::1]), or listed in AllowedOrigins.
// POST, PUT, PATCH and DELETE with an Origin that is not allowed get
// MLflow's 403 "Cross-origin request blocked". Like MLflow, a request
// without Origin is not judged (MLflow looks at no Referer): browsers send
// Origin on every cross-origin write, so only non-browser clients omit it.
//
// CORS answers follow Starlette's CORSMiddleware as MLflow configures it
// (credentials allowed, all request headers allowed, the six methods,
// max-age 600), but only for allowed origins: a preflight from any other
// origin gets Starlette's 400 "Disallowed CORS origin", and reads from it
// get no Access-Control-Allow-Origin. MLflow's own FastAPI layer answers
// every origin's preflight and lets its write fail later; refusing early
// changes nothing a browser may do and exposes no responses to foreign
// pages.
type OriginRule struct {
	list           matchList
	trustForwarded bool
	trustSame      func(host string) bool
	log            *slog.Logger
}

// NewOriginRule builds the rule.
func NewOriginRule(cfg OriginConfig) *OriginRule {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &OriginRule{list: newMatchList(cfg.AllowedOrigins), trustForwarded: cfg.TrustForwardedHeaders,
		trustSame: cfg.TrustSameOrigin, log: log}
}

const (
	corsMethods = "GET, POST, PUT, DELETE, OPTIONS, PATCH"
	corsMaxAge  = "600"
)

// Wrap applies the rule in front of next (the own routes, outside the
// authentication middleware: preflights carry no credentials).
func (o *OriginRule) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		origins := r.Header.Values("Origin")
		if len(origins) == 0 || (len(origins) == 1 && origins[0] == "") {
			next.ServeHTTP(w, r)
			return
		}
		// Browsers send one Origin; two are a forgery and allowed nowhere.
		origin := origins[0]
		allowed := len(origins) == 1 && o.allowed(origin, r)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			o.preflight(w, r, origin, allowed)
			return
		}
		if !allowed && stateChanging(r.Method) {
			o.log.WarnContext(r.Context(), "blocked cross-origin request (see --cors-allowed-origins)",
				"origin", clip(origin), "method", r.Method, "path", r.URL.EscapedPath(), "remote", r.RemoteAddr)
			writePlain(w, http.StatusForbidden, corsBlockedMsg)
			return
		}
		if allowed {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "*")
			h.Add("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}

func (o *OriginRule) preflight(w http.ResponseWriter, r *http.Request, origin string, allowed bool) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Set("Access-Control-Allow-Credentials", "true")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	var failures []string
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
	} else {
		failures = append(failures, "origin")
	}
	if !strings.Contains(", "+corsMethods+",", ", "+r.Header.Get("Access-Control-Request-Method")+",") {
		failures = append(failures, "method")
	}
	if len(failures) > 0 {
		writePlain(w, http.StatusBadRequest, "Disallowed CORS "+strings.Join(failures, ", "))
		return
	}
	writePlain(w, http.StatusOK, "OK")
}

func (o *OriginRule) allowed(origin string, r *http.Request) bool {
	return o.list.match(origin) || localhostOrigin(origin) || o.sameOrigin(origin, r)
}

func stateChanging(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// localhostOrigin is MLflow's is_localhost_origin: the origin's host name is
// localhost, 127.0.0.1 or ::1, whatever the scheme and port.
func localhostOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// sameOrigin reports whether origin is the scheme and host the client
// addressed, on a host trusted for it. The scheme must match: a page on
// http://h is not the origin https://h, and letting it write would let a
// plain-HTTP page (which anyone on the path can inject into) write through
// an HTTPS sidecar.
func (o *OriginRule) sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.User != nil || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return false
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if o.trustForwarded {
		if p := strings.ToLower(proxy.ForwardedValue(r.Header, "X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if fh := proxy.ForwardedValue(r.Header, "X-Forwarded-Host"); fh != "" {
			host = fh
		}
	}
	return host != "" && strings.EqualFold(u.Scheme, scheme) &&
		strings.EqualFold(hostKey(u.Host, scheme), hostKey(host, scheme)) &&
		(o.trustSame == nil || o.trustSame(host))
}

// hostKey drops the scheme's default port, as browsers do when they
// serialise an origin.
func hostKey(host, scheme string) string {
	switch strings.ToLower(scheme) {
	case "http":
		return strings.TrimSuffix(host, ":80")
	case "https":
		return strings.TrimSuffix(host, ":443")
	}
	return host
}
