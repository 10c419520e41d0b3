package mcpspec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Tests inject their own so that no test needs DNS.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Defaults of MLflow's icon URL check (mlflow/utils/validation.py).
const (
	DefaultLookupTimeout        = 5 * time.Second
	DefaultMaxConcurrentLookups = 8
)

// IconPolicy is the operator's icon URL policy, MLflow's three
// MLFLOW_ICON_URL_* settings, plus the resolver. One policy is shared by all
// requests: its lookup limit is process-wide, as MLflow's semaphore is.
type IconPolicy struct {
	// AllowedSchemes are the accepted URL schemes, compared lower-cased.
	// Empty means MLflow's default, https only.
	AllowedSchemes []string
	// AllowPrivateIPs skips DNS resolution and the public-address rule.
	AllowPrivateIPs bool
	// AllowedDomains, when non-empty, are fnmatch globs the lower-cased host
	// must match (compared lower-cased, shown as configured).
	AllowedDomains []string
	// Resolver resolves host names; net.DefaultResolver when nil.
	Resolver Resolver
	// LookupTimeout bounds each lookup and the wait for a lookup slot;
	// DefaultLookupTimeout when zero.
	LookupTimeout time.Duration
	// MaxConcurrentLookups bounds lookups in flight across all requests;
	// DefaultMaxConcurrentLookups when zero.
	MaxConcurrentLookups int
	// LenientSpec turns off the stricter MCP-spec rule for icon theme and
	// sizes (see COMPATIBILITY.md), accepting exactly what MLflow accepts.
	LenientSpec bool

	once  sync.Once
	slots chan struct{}
}

// Environment variables read by IconPolicyFromEnv (MLflow's names).
const (
	EnvIconAllowedSchemes  = "MLFLOW_ICON_URL_ALLOWED_SCHEMES"
	EnvIconAllowPrivateIPs = "MLFLOW_ICON_URL_ALLOW_PRIVATE_IPS"
	EnvIconAllowedDomains  = "MLFLOW_ICON_URL_ALLOWED_DOMAINS"
)

// IconPolicyFromEnv reads the policy from the environment as MLflow does:
// comma lists with items trimmed, and a boolean that must be one of
// true/false/1/0 (any case). MLflow fails each request on a malformed
// boolean; we fail at startup instead, which is where the error belongs.
// Empty list items are dropped (MLflow would keep "" as a scheme or domain
// that matches nothing useful).
func IconPolicyFromEnv() (*IconPolicy, error) {
	return iconPolicyFromLookup(os.LookupEnv)
}

func iconPolicyFromLookup(lookup func(string) (string, bool)) (*IconPolicy, error) {
	p := &IconPolicy{}
	if v, ok := lookup(EnvIconAllowedSchemes); ok {
		p.AllowedSchemes = splitStrip(v)
	}
	if v, ok := lookup(EnvIconAllowedDomains); ok {
		p.AllowedDomains = splitStrip(v)
	}
	if v, ok := lookup(EnvIconAllowPrivateIPs); ok {
		switch strings.ToLower(v) {
		case "true", "1":
			p.AllowPrivateIPs = true
		case "false", "0":
		default:
			return nil, fmt.Errorf("%s value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got %s",
				EnvIconAllowPrivateIPs, v)
		}
	}
	return p, nil
}

func splitStrip(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = pyStrip(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (p *IconPolicy) schemes() []string {
	if len(p.AllowedSchemes) == 0 {
		return []string{"https"}
	}
	return p.AllowedSchemes
}

func (p *IconPolicy) timeout() time.Duration {
	if p.LookupTimeout > 0 {
		return p.LookupTimeout
	}
	return DefaultLookupTimeout
}

func (p *IconPolicy) resolver() Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}

func (p *IconPolicy) lookupSlots() chan struct{} {
	p.once.Do(func() {
		n := p.MaxConcurrentLookups
		if n <= 0 {
			n = DefaultMaxConcurrentLookups
		}
		p.slots = make(chan struct{}, n)
	})
	return p.slots
}

// lookup resolves host within the policy's limits. A failure the client
// caused (unknown host, timeout) comes back as a message for MLflow's
// "Icon URL ..." errors; only the caller's own cancellation is an error.
func (p *IconPolicy) lookup(ctx context.Context, host string) ([]net.IPAddr, string, error) {
	slots := p.lookupSlots()
	wait := time.NewTimer(p.timeout())
	defer wait.Stop()
	select {
	case slots <- struct{}{}:
	case <-wait.C:
		return nil, fmt.Sprintf("Timed out waiting to resolve Icon URL hostname %s because too many hostname resolutions are already in progress", pyRepr(host)), nil
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	defer func() { <-slots }()

	lctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()
	addrs, err := p.resolver().LookupIPAddr(lctx, host)
	if err == nil {
		return addrs, "", nil
	}
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	if lctx.Err() != nil {
		return nil, fmt.Sprintf("Timed out resolving Icon URL hostname %s after %s seconds", pyRepr(host),
			strconv.FormatFloat(p.timeout().Seconds(), 'g', -1, 64)), nil
	}
	return nil, fmt.Sprintf("Cannot resolve Icon URL hostname %s: %s", pyRepr(host), gaiMessage(err)), nil
}

// gaiMessage renders a lookup failure the way Python's socket.gaierror
// prints on Linux, which is what MLflow's message carries.
func gaiMessage(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return "[Errno -2] Name or service not known"
	}
	return "[Errno -3] Temporary failure in name resolution"
}
