package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// Placement says where a route lives relative to MLflow's --static-prefix.
// MLflow itself is not uniform: Flask's /ajax-api routes carry the prefix and
// its /api routes do not, while the newer FastAPI routers (the MCP registry
// among them) carry it on both. Each route therefore says which it mimics.
type Placement int

const (
	// UnderStaticPrefix matches <prefix><path> only (plain <path> when no
	// prefix is configured). This is the zero value: the FastAPI routers.
	UnderStaticPrefix Placement = iota
	// AtRoot matches <path> only, whatever the prefix: Flask's /api routes.
	AtRoot
	// Anywhere matches both <prefix><path> and <path>.
	Anywhere
)

// Route is one path the sidecar serves itself instead of forwarding.
type Route struct {
	// Name identifies the route in logs, metrics and Match.Route.
	Name string
	// Path is the pattern without the static prefix, e.g.
	// "/api/3.0/mlflow/traces/{trace_id}/mcp-server-versions". A {name}
	// segment matches exactly one non-empty raw segment.
	Path string
	// Subtree also matches every path below Path ("/mcp-servers/x/y"), but
	// never a longer sibling ("/mcp-servers-foo").
	Subtree   bool
	Placement Placement
	Handler   http.Handler
}

// Match describes how a request matched a route. Handlers get it with
// MatchFrom; the request itself is passed on unchanged, so URL.Path and
// URL.RawPath still start with the static prefix.
type Match struct {
	Route        string
	StaticPrefix string // the escaped prefix the path started with; "" when matched at the root
	Rest         string // the raw path after the pattern: "" or "/..." (Subtree routes only)
	names        []string
	raw          []string
}

// RawParam returns the escaped value of {name}, or "" when there is none.
func (m *Match) RawParam(name string) string {
	for i, n := range m.names {
		if n == name {
			return m.raw[i]
		}
	}
	return ""
}

// Param returns the decoded value of {name}, or "" when there is none.
func (m *Match) Param(name string) string {
	raw := m.RawParam(name)
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	// Unreachable for requests from net/http (it rejects bad escapes), so
	// the raw text is the most faithful thing to hand back.
	return raw
}

type matchKey struct{}

// MatchFrom returns the route match the Router stored in a request context.
func MatchFrom(ctx context.Context) (*Match, bool) {
	m, ok := ctx.Value(matchKey{}).(*Match)
	return m, ok
}

type compiledRoute struct {
	Route
	pt pattern
}

// Router is the sidecar's one route table: an ordered list of routes served
// in-process, then the fallback (the upstream proxy) for everything else.
// The first route that matches wins. Routes may be added while serving.
type Router struct {
	prefix   string // escaped; "" for none
	fallback http.Handler
	mu       sync.Mutex // serialises Handle; readers use the atomic snapshot
	routes   atomic.Pointer[[]*compiledRoute]
}

// NewRouter returns a Router with no routes of its own. staticPrefix is
// MLflow's --static-prefix ("" or "/x", never ending in "/").
func NewRouter(staticPrefix string, fallback http.Handler) (*Router, error) {
	if staticPrefix != "" && (!strings.HasPrefix(staticPrefix, "/") || strings.HasSuffix(staticPrefix, "/")) {
		return nil, fmt.Errorf("static prefix %q must start with / and not end with /", staticPrefix)
	}
	if fallback == nil {
		return nil, fmt.Errorf("router needs a fallback handler")
	}
	rt := &Router{prefix: (&url.URL{Path: staticPrefix}).EscapedPath(), fallback: fallback}
	rt.routes.Store(&[]*compiledRoute{})
	return rt, nil
}

// Handle appends a route. Names must be unique and patterns valid.
func (rt *Router) Handle(r Route) error {
	if r.Name == "" || r.Handler == nil {
		return fmt.Errorf("route %q needs a name and a handler", r.Path)
	}
	pt, err := compilePattern(r.Path)
	if err != nil {
		return err
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	old := *rt.routes.Load()
	for _, c := range old {
		if c.Name == r.Name {
			return fmt.Errorf("route %q registered twice", r.Name)
		}
	}
	next := append(old[:len(old):len(old)], &compiledRoute{Route: r, pt: pt})
	rt.routes.Store(&next)
	return nil
}

// Lookup finds the route serving an escaped path (URL.EscapedPath). It
// returns nil when the path goes upstream.
func (rt *Router) Lookup(rawPath string) (*Match, http.Handler) {
	for _, c := range *rt.routes.Load() {
		if m, ok := c.lookup(rt.prefix, rawPath); ok {
			return m, c.Handler
		}
	}
	return nil, nil
}

func (c *compiledRoute) lookup(prefix, raw string) (*Match, bool) {
	if prefix != "" && c.Placement != AtRoot && strings.HasPrefix(raw, prefix) {
		if m, ok := c.at(raw[len(prefix):], prefix); ok {
			return m, true
		}
	}
	if prefix == "" || c.Placement != UnderStaticPrefix {
		return c.at(raw, "")
	}
	return nil, false
}

func (c *compiledRoute) at(raw, prefix string) (*Match, bool) {
	rest, ok := c.pt.match(raw, nil)
	if !ok || (rest != "" && !c.Subtree) {
		return nil, false
	}
	m := &Match{Route: c.Name, StaticPrefix: prefix, Rest: rest}
	if names := c.pt.paramNames(); len(names) > 0 {
		m.names = names
		c.pt.match(raw, &m.raw)
	}
	return m, true
}

// ServeHTTP dispatches on the raw path, so an encoded slash (%2F) inside a
// segment never splits it.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m, h := rt.Lookup(r.URL.EscapedPath()); h != nil {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), matchKey{}, m)))
		return
	}
	rt.fallback.ServeHTTP(w, r)
}
