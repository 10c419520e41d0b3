package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/metric"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// maxUserName is the width of MLflow's users.username and of the registry's
// created_by / last_updated_by columns.
const maxUserName = 255

// HeaderConfig configures --auth=header.
type HeaderConfig struct {
	// Header is --trusted-user-header, e.g. X-Forwarded-User.
	Header string
	// TrustedProxies is --trusted-proxy-cidrs: the addresses of the
	// authenticating proxies (see ParseCIDRs).
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	MeterProvider  metric.MeterProvider // nil: the otel global
}

// Header trusts a user name that an authenticating proxy in front of the
// sidecar put in a header, but only from the proxy's addresses: anyone else
// could set the header too. From a trusted address the header is required
// (401 without it); from any other address a request carrying it is refused
// (403, and logged: a client is trying to name itself) and one without it
// gets 401, since callers are meant to come through the proxy.
type Header struct {
	name    string
	trusted []netip.Prefix
	met     *metrics
	log     *slog.Logger
}

// NewHeader builds the authenticator.
func NewHeader(cfg HeaderConfig) (*Header, error) {
	name := http.CanonicalHeaderKey(strings.TrimSpace(cfg.Header))
	if name == "" {
		return nil, errors.New("--auth=header needs --trusted-user-header")
	}
	if len(cfg.TrustedProxies) == 0 {
		return nil, errors.New("--auth=header needs --trusted-proxy-cidrs: the addresses of the authenticating proxy")
	}
	met, err := newMetrics(cfg.MeterProvider)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Header{name: name, trusted: cfg.TrustedProxies, met: met, log: log}, nil
}

// ParseCIDRs parses --trusted-proxy-cidrs entries: CIDR prefixes or single
// addresses ("10.0.0.0/8", "192.0.2.7", "fd00::/8").
func ParseCIDRs(entries []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy-cidrs: %q is neither a CIDR prefix nor an address", e)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Authenticate implements Authenticator.
func (h *Header) Authenticate(_ http.ResponseWriter, r *http.Request) (*string, bool, error) {
	ctx := r.Context()
	values := r.Header.Values(h.name)
	if !h.fromTrustedProxy(r.RemoteAddr) {
		if len(values) > 0 {
			h.met.decision(ctx, ModeHeader, outcomeForbidden)
			h.log.WarnContext(ctx, "refused a user header from an address that is not a trusted proxy",
				"header", h.name, "remote", r.RemoteAddr)
			return nil, false, mlflowerr.PermissionDenied("The %s header is accepted only from the authenticating proxy", h.name)
		}
		h.met.decision(ctx, ModeHeader, outcomeUnauthenticated)
		return nil, false, mlflowerr.Unauthenticated("Authentication required: send requests through the authenticating proxy")
	}
	switch len(values) {
	case 0:
		h.met.decision(ctx, ModeHeader, outcomeUnauthenticated)
		return nil, false, mlflowerr.Unauthenticated("Authentication required: the proxy did not send the %s header", h.name)
	case 1:
	default:
		// A proxy that appends to a client's header instead of replacing
		// it would let the client pick which value counts.
		h.met.decision(ctx, ModeHeader, outcomeForbidden)
		h.log.WarnContext(ctx, "refused a request with more than one user header", "header", h.name, "remote", r.RemoteAddr)
		return nil, false, mlflowerr.PermissionDenied("The %s header must be sent once", h.name)
	}
	user := strings.TrimSpace(values[0])
	if !validUserName(user) {
		h.met.decision(ctx, ModeHeader, outcomeUnauthenticated)
		return nil, false, mlflowerr.Unauthenticated("The %s header does not hold a usable user name", h.name)
	}
	h.met.decision(ctx, ModeHeader, outcomeAllowed)
	scope.MarkAuthenticated(ctx)
	return &user, false, nil
}

func (h *Header) fromTrustedProxy(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap().WithZone("")
	for _, p := range h.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func validUserName(u string) bool {
	if u == "" || len(u) > maxUserName || !utf8.ValidString(u) {
		return false
	}
	for _, r := range u {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
