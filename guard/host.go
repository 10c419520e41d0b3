package guard

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
)

// MLflow's texts (mlflow/server/security_utils.py), sent as text/plain.
const (
	invalidHostMsg = "Invalid Host header - possible DNS rebinding attack detected"
	corsBlockedMsg = "Cross-origin request blocked"
)

// DefaultAllowedHostsHelp describes the default Host allow-list for --help.
const DefaultAllowedHostsHelp = "localhost, 127.0.0.1, [::1] and 0.0.0.0 on any port, and private " +
	"(10/8, 172.16/12, 192.168/16, fc00::/7) address literals on any port"

// HostRule refuses requests whose Host header is not allowed, with MLflow's
// 403. The proxy sends MLflow the upstream's own Host, so MLflow's
// DNS-rebinding check can no longer see what the browser addressed: this
// rule is that check, applied to every request, proxied or served here.
type HostRule struct {
	list           matchList
	defaults       bool
	trustForwarded bool
	log            *slog.Logger
}

// HostConfig configures the Host rule.
type HostConfig struct {
	// AllowedHosts is --allowed-hosts; empty means the defaults.
	AllowedHosts []string
	// TrustForwardedHeaders (--trust-forwarded-headers) makes the rule
	// check X-Forwarded-Host as well as Host: the Origin rules then take
	// the client's host from it, so it must be as allowed as Host itself.
	TrustForwardedHeaders bool
	Logger                *slog.Logger
}

// NewHostRule builds the rule for --allowed-hosts. As in MLflow, a
// non-empty list replaces the defaults (it does not add to them), "*"
// allows every Host, entries with "*" are fnmatch patterns and the rest
// must equal the Host header, port included: "mlflow.example.com" does not
// admit "mlflow.example.com:5001"; write "mlflow.example.com:*" for that.
//
// Without a list the defaults apply: the names MLflow allows by default,
// but its private-range patterns ("10.*", "192.168.*", "172.16.*", ...)
// are checked as address literals, not as text. As text, "10.*" would also
// admit "10.attacker.example", a name an attacker can point at 127.0.0.1,
// which is the rebinding attack the check exists to stop.
func NewHostRule(cfg HostConfig) *HostRule {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	list := newMatchList(cfg.AllowedHosts)
	return &HostRule{list: list, defaults: list.empty(), trustForwarded: cfg.TrustForwardedHeaders, log: log}
}

// Allowed reports whether a request with this Host header may proceed.
func (h *HostRule) Allowed(host string) bool {
	if h.defaults {
		return defaultAllowedHost(host)
	}
	return h.list.match(host)
}

// Exact reports whether host is allowed by name rather than by a wildcard:
// by the defaults (localhost and address literals) or by an --allowed-hosts
// entry without "*". Only then may a request whose Origin equals its own
// Host be taken for a page the sidecar served. Under a wildcard the name
// may be an attacker's, rebound to the sidecar's address (DNS rebinding),
// and the attacker's page is then "same origin" with the request.
func (h *HostRule) Exact(host string) bool {
	if h.defaults {
		return defaultAllowedHost(host)
	}
	return h.list.exactMatch(host)
}

// Wrap applies the rule in front of next. Like MLflow it leaves /health and
// /version open, so probes that address the pod by IP keep working.
func (h *HostRule) Wrap(next http.Handler) http.Handler {
	if h.list.all {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" || r.URL.Path == "/version" {
			next.ServeHTTP(w, r)
			return
		}
		var refused, header string
		switch {
		case !h.Allowed(r.Host):
			refused, header = r.Host, "Host"
		case h.trustForwarded:
			if fh := proxy.ForwardedValue(r.Header, "X-Forwarded-Host"); fh != "" && !h.Allowed(fh) {
				refused, header = fh, "X-Forwarded-Host"
			}
		}
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		h.log.WarnContext(r.Context(), "rejected request with a Host that is not allowed (see --allowed-hosts)",
			"header", header, "host", clip(refused), "remote", r.RemoteAddr)
		writePlain(w, http.StatusForbidden, invalidHostMsg)
	})
}

// defaultAllowedHost is MLflow's default list (security_utils.py
// get_default_allowed_hosts) with the private ranges read as addresses.
func defaultAllowedHost(host string) bool {
	host = strings.ToLower(host)
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if !digits(port) {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") {
		// "[::1]" without a port.
		if !strings.HasSuffix(host, "]") {
			return false
		}
		name = host[1 : len(host)-1]
	}
	switch name {
	case "localhost", "127.0.0.1", "::1", "0.0.0.0":
		return true
	}
	// MLflow's "fc00:*" / "fd00:*" only ever match an unbracketed IPv6
	// address; such a Host (no port possible) lands here too.
	addr, err := netip.ParseAddr(name)
	return err == nil && addr.Zone() == "" && addr.IsPrivate()
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) <= 5
}

// clip bounds a client-supplied value before it is logged.
func clip(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// writePlain answers the way MLflow's security and auth middleware do:
// text/plain, not an MLflow JSON error.
func writePlain(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
