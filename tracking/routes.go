package tracking

import (
	"net/url"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
)

// The API mounts of the trace-link routes, before --static-prefix. Like the
// registry (a FastAPI router in MLflow) they sit under the static prefix on
// both mounts.
var apiMounts = []string{"/api/3.0/mlflow", "/ajax-api/3.0/mlflow"}

// TraceRoutePatterns are the routes under /mlflow/traces in the proxy.Route
// pattern syntax (without the static prefix, UnderStaticPrefix placement).
// Every other /mlflow/traces path belongs to MLflow. The two listing routes
// live inside the registry's /mlflow/mcp-servers subtree and cannot be
// written as patterns (a server name holds a "/"): dispatch them with
// Handler.Serves before the registry handler.
var TraceRoutePatterns = []string{
	"/api/3.0/mlflow/traces/link-mcp-server-versions",
	"/api/3.0/mlflow/traces/unlink-mcp-server-versions",
	"/api/3.0/mlflow/traces/{trace_id}/mcp-server-versions",
	"/ajax-api/3.0/mlflow/traces/link-mcp-server-versions",
	"/ajax-api/3.0/mlflow/traces/unlink-mcp-server-versions",
	"/ajax-api/3.0/mlflow/traces/{trace_id}/mcp-server-versions",
}

type routeKind int

const (
	routeNone routeKind = iota
	routeLink
	routeUnlink
	routeTraceVersions // GET /traces/{trace_id}/mcp-server-versions
	routeVersionTraces // GET /mcp-servers/{name}/versions/{version}/traces
	routeServerTraces  // GET /mcp-servers/{name}/traces
)

// route is a parsed trace-link path, its parameters decoded.
type route struct {
	kind    routeKind
	traceID string
	name    string
	version string
}

// matchRoute parses an escaped path. staticPrefix is escaped too ("" for
// none). Segments are split on raw "/" only, so "%2F" never splits one.
//
// The listing routes are recognised only when the segments before
// "/traces" (or "/versions/{version}/traces") decode to a valid server name.
// A name has exactly one "/", so "/mcp-servers/ns/traces" stays the
// registry's GET of server "ns/traces", while "/mcp-servers/ns/slug/traces"
// and "/mcp-servers/ns%2Fslug/traces" list the traces of "ns/slug".
func matchRoute(staticPrefix, rawPath string) route {
	if staticPrefix != "" {
		rest, ok := strings.CutPrefix(rawPath, staticPrefix)
		if !ok {
			return route{}
		}
		rawPath = rest
	}
	for _, m := range apiMounts {
		if rest, ok := strings.CutPrefix(rawPath, m); ok {
			if r, ok := strings.CutPrefix(rest, "/traces/"); ok {
				return matchTraces(r)
			}
			if r, ok := strings.CutPrefix(rest, "/mcp-servers/"); ok {
				return matchServers(r)
			}
		}
	}
	return route{}
}

func matchTraces(rest string) route {
	switch rest {
	case "link-mcp-server-versions":
		return route{kind: routeLink}
	case "unlink-mcp-server-versions":
		return route{kind: routeUnlink}
	}
	id, ok := strings.CutSuffix(rest, "/mcp-server-versions")
	if !ok || id == "" || strings.Contains(id, "/") {
		return route{}
	}
	traceID, err := url.PathUnescape(id)
	if err != nil {
		return route{}
	}
	return route{kind: routeTraceVersions, traceID: traceID}
}

func matchServers(rest string) route {
	segs := strings.Split(rest, "/")
	n := len(segs)
	if n < 2 || segs[n-1] != "traces" {
		return route{}
	}
	if n >= 4 && segs[n-3] == "versions" {
		name, okName := serverName(segs[:n-3])
		version, err := url.PathUnescape(segs[n-2])
		if okName && err == nil && version != "" {
			return route{kind: routeVersionTraces, name: name, version: version}
		}
	}
	if name, ok := serverName(segs[:n-1]); ok {
		return route{kind: routeServerTraces, name: name}
	}
	return route{}
}

// serverName decodes raw segments into a name and says whether it is a
// valid server name.
func serverName(segs []string) (string, bool) {
	parts := make([]string, len(segs))
	for i, s := range segs {
		p, err := url.PathUnescape(s)
		if err != nil {
			return "", false
		}
		parts[i] = p
	}
	name := strings.Join(parts, "/")
	return name, mcpregistry.ValidateServerName(name) == nil
}

// IsTraceRoute reports whether an escaped request path (URL.EscapedPath) is
// one of the trace-link routes, for MLflow's --static-prefix staticPrefix
// (unescaped, "" for none). It ignores the method: a wrong method on one of
// these paths is answered 405 by the handler.
func IsTraceRoute(staticPrefix, rawPath string) bool {
	return matchRoute(escapePrefix(staticPrefix), rawPath).kind != routeNone
}

func escapePrefix(p string) string { return (&url.URL{Path: p}).EscapedPath() }
