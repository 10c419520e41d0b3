package proxy

import (
	"net/http"
	"strings"
)

// clientOrigin returns the scheme and host the client addressed: the
// connection's own, or the forwarding proxy's claim when it is trusted.
func clientOrigin(r *http.Request, trustForwarded bool) (scheme, host string) {
	scheme, host = "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if trustForwarded {
		if p := strings.ToLower(ForwardedValue(r.Header, "X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := ForwardedValue(r.Header, "X-Forwarded-Host"); h != "" {
			host = h
		}
	}
	return scheme, host
}

// ForwardedValue is the last element of a forwarding header's list
// (X-Forwarded-Host, X-Forwarded-Proto), over all its lines: the one the
// nearest proxy, the trusted one, set or appended. Earlier elements may come
// from the client. guard's Host and Origin rules call it too, so that every
// check judges the same host.
func ForwardedValue(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return ""
	}
	v := vs[len(vs)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// sameOrigin reports whether origin is scheme://host, the way a browser
// serialises it: case-insensitive, with the scheme's default port left out
// (a Host header of "h:80" is the origin "http://h"). The scheme must match:
// a page on http://h is a different origin from https://h, and treating it
// as ours would let a plain-HTTP page write through an HTTPS sidecar.
func sameOrigin(origin, scheme, host string) bool {
	if host == "" || len(origin) <= len(scheme)+3 ||
		!strings.EqualFold(origin[:len(scheme)+3], scheme+"://") {
		return false
	}
	return strings.EqualFold(withoutDefaultPort(origin[len(scheme)+3:], scheme), withoutDefaultPort(host, scheme))
}

func withoutDefaultPort(hostport, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(hostport, ":80"):
		return hostport[:len(hostport)-3]
	case scheme == "https" && strings.HasSuffix(hostport, ":443"):
		return hostport[:len(hostport)-4]
	}
	return hostport
}

// stripProxyHeaders removes what ReverseProxy leaves of the Proxy-* family
// (it drops Proxy-Connection, Proxy-Authenticate and Proxy-Authorization):
// credentials or instructions for a proxy are never MLflow's business, and
// a "Proxy" header is the httpoxy vector for CGI-style servers.
func stripProxyHeaders(h http.Header) {
	for k := range h {
		if k == "Proxy" || strings.HasPrefix(k, "Proxy-") {
			delete(h, k)
		}
	}
}
