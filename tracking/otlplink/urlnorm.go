package otlplink

import (
	"net"
	"net/url"
	"strings"
)

// endpointKey is a URL reduced to what identifies an MCP endpoint: scheme,
// host and port (lower-case, the scheme's default port filled in) and the
// path without a trailing slash. Query and fragment are ignored: MCP's
// streamable HTTP and SSE transports carry sessions in headers, and a client
// may add query parameters an approved endpoint does not list.
type endpointKey struct {
	scheme, host, port, path string
}

func (k endpointKey) String() string {
	return k.scheme + "://" + net.JoinHostPort(k.host, k.port) + k.path
}

var defaultPorts = map[string]string{"http": "80", "https": "443"}

// normalizeURL reduces an absolute http(s) URL to its endpointKey.
func normalizeURL(raw string) (endpointKey, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return endpointKey{}, false
	}
	scheme := strings.ToLower(u.Scheme)
	def, ok := defaultPorts[scheme]
	host := normalizeHost(u.Hostname())
	if !ok || host == "" {
		return endpointKey{}, false
	}
	port := u.Port()
	if port == "" {
		port = def
	}
	return endpointKey{scheme: scheme, host: host, port: port, path: strings.TrimRight(u.EscapedPath(), "/")}, true
}

// normalizeHost lower-cases a host name and drops a trailing dot (an FQDN
// written absolutely); an IPv6 literal loses its brackets.
func normalizeHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(h), "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
