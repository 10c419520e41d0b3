package otlplink

import (
	"encoding/hex"
	"encoding/json"
	"strings"
)

type refKind uint8

const (
	refVersion    refKind = iota + 1 // mlflow.mcp_server.name + .version
	refAlias                         // mlflow.mcp_server.name + .alias
	refURL                           // mcp.method.name on a client span + url.full
	refHost                          // mcp.method.name on a client span + server.address[/port]
	refIncomplete                    // a server named without version or alias, or an MCP call without an address
)

// ref is one reference to an MCP server found in a trace's spans.
type ref struct {
	kind  refKind
	name  string // refVersion, refAlias
	value string // version, alias, normalised URL key, or host
	port  string // refHost; "" when the span gives none
}

// traceRefs are the distinct references of one MLflow trace.
type traceRefs struct {
	traceID string
	refs    []ref
}

// collectRefs groups the spans' references by MLflow trace id, in the order
// traces first appear. Spans that reference nothing are skipped.
func collectRefs(spans []span) []traceRefs {
	var out []traceRefs
	index := map[string]int{}
	seen := map[string]map[ref]bool{}
	for i := range spans {
		r, ok := spanRef(&spans[i])
		if !ok {
			continue
		}
		id := mlflowTraceID(&spans[i])
		k, found := index[id]
		if !found {
			k = len(out)
			index[id] = k
			out = append(out, traceRefs{traceID: id})
			seen[id] = map[ref]bool{}
		}
		if !seen[id][r] {
			seen[id][r] = true
			out[k].refs = append(out[k].refs, r)
		}
	}
	return out
}

// spanRef reads a span's reference. Explicit mlflow.mcp_server.* attributes
// win; otherwise a client span carrying mcp.method.name (the OpenTelemetry
// MCP semantic conventions) refers to the server at its URL.
func spanRef(s *span) (ref, bool) {
	if name := attr(s, AttrServerName); name != "" {
		if v := attr(s, AttrServerVersion); v != "" {
			return ref{kind: refVersion, name: name, value: v}, true
		}
		if a := attr(s, AttrServerAlias); a != "" {
			return ref{kind: refAlias, name: name, value: a}, true
		}
		return ref{kind: refIncomplete, name: name}, true
	}
	if !s.client || attr(s, AttrMCPMethod) == "" {
		return ref{}, false
	}
	if u := attr(s, AttrURLFull); u != "" {
		if key, ok := normalizeURL(u); ok {
			return ref{kind: refURL, value: key.String()}, true
		}
	}
	if host := normalizeHost(attr(s, AttrServerAddress)); host != "" {
		return ref{kind: refHost, value: host, port: attr(s, AttrServerPort)}, true
	}
	return ref{kind: refIncomplete}, true
}

// attr returns a span attribute's value. MLflow's own SDK stores attribute
// values JSON-encoded ("\"1.2.0\""), so a value that is a JSON string is
// decoded; names, versions and aliases never start with a quote.
func attr(s *span, key string) string {
	v := strings.TrimSpace(s.attrs[key])
	if len(v) >= 2 && v[0] == '"' {
		var d string
		if json.Unmarshal([]byte(v), &d) == nil {
			return strings.TrimSpace(d)
		}
	}
	return v
}

// mlflowTraceID is the id MLflow gives the span's trace: its
// mlflow.traceRequestId attribute when the exporter set one, else "tr-" and
// the OpenTelemetry trace id in 32 lower-case hex digits
// (generate_mlflow_trace_id_from_otel_trace_id in mlflow/tracing/utils).
func mlflowTraceID(s *span) string {
	if id := attr(s, attrMLflowTraceReq); id != "" {
		return id
	}
	return "tr-" + hex.EncodeToString(s.traceID[:])
}
