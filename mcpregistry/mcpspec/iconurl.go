package mcpspec

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// srcCheck is MLflow's icon URL check (_validate_mcp_icon_url) for one src,
// cut in two around the DNS lookup so that the lookups of a whole document
// can run concurrently while failures are still reported in MLflow's
// sequential order.
type srcCheck struct {
	src     string
	host    string       // urlsplit's hostname
	addrs   []netip.Addr // set when host is an address literal
	resolve bool         // host must be looked up
	lookup  string       // the name sent to the resolver (IDNA-encoded)
}

// precheck runs every step before the lookup: blank, parse, scheme,
// credentials, host name, and the IDNA encoding Python applies to it.
func (p *IconPolicy) precheck(src string) (srcCheck, error) {
	c := srcCheck{src: src}
	if pyStrip(src) == "" {
		return c, mlflowerr.Invalid("Icon URL cannot be empty or just whitespace: %s", pyRepr(src))
	}
	u, err := pyURLSplit(src)
	if err != nil {
		return c, mlflowerr.Invalid("Invalid Icon URL %s: %s", pyRepr(src), err.(*pyValueError).repr())
	}
	allowed := make([]string, 0, len(p.schemes()))
	for _, s := range p.schemes() {
		allowed = append(allowed, pyLower(s))
	}
	if !slices.Contains(allowed, u.scheme) {
		slices.Sort(allowed)
		allowed = slices.Compact(allowed)
		quoted := make([]string, len(allowed))
		for i, s := range allowed {
			quoted[i] = pyRepr(s)
		}
		return c, mlflowerr.Invalid("Invalid Icon URL scheme: %s. Allowed schemes are: %s.", pyRepr(u.scheme), strings.Join(quoted, ", "))
	}
	if user, password := u.userinfo(); user != "" || password != "" {
		return c, mlflowerr.Invalid("Icon URL must not include embedded credentials: %s", pyRepr(src))
	}
	c.host = u.hostname()
	if c.host == "" {
		return c, mlflowerr.Invalid("Icon URL must include a hostname: %s", pyRepr(src))
	}
	if p.AllowPrivateIPs {
		return c, nil
	}
	name, msg := idnaEncode(c.host)
	if msg != "" {
		return c, mlflowerr.Invalid("Cannot resolve Icon URL hostname %s: %s", pyRepr(c.host), msg)
	}
	if a, ok := addressLiteral(name); ok {
		c.addrs = []netip.Addr{a}
		return c, nil
	}
	c.resolve, c.lookup = true, name
	return c, nil
}

// postcheck runs the steps after the lookup: every address must be global,
// then the host must be on the domain allow-list if there is one.
func (p *IconPolicy) postcheck(c srcCheck, resolved lookupResult) error {
	if !p.AllowPrivateIPs {
		addrs := c.addrs
		if c.resolve {
			if resolved.msg != "" {
				return mlflowerr.Invalid("%s", resolved.msg)
			}
			addrs = resolved.addrs
		}
		for _, a := range addrs {
			if !isGlobal(a) {
				return mlflowerr.Invalid("Icon URL must not resolve to a non-public IP address. %s resolves to %s.", pyRepr(c.host), a)
			}
		}
	}
	if len(p.AllowedDomains) == 0 {
		return nil
	}
	for _, pattern := range p.AllowedDomains {
		if fnmatch(c.host, pyLower(pattern)) {
			return nil
		}
	}
	return mlflowerr.Invalid("Icon URL host %s is not in the allowed domain list: %s.", pyRepr(c.host), strings.Join(p.AllowedDomains, ", "))
}

// idnaEncode is what socket.getaddrinfo does to a str host before asking the
// system: Python's "idna" codec. ASCII names only get its label-length
// checks (every label but the last 1..63 characters, the last under 64, so
// a trailing dot is fine); other names are IDNA-encoded.
func idnaEncode(host string) (string, string) {
	ascii := true
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		name, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", err.Error()
		}
		return name, ""
	}
	labels := strings.Split(host, ".")
	for _, l := range labels[:len(labels)-1] {
		if len(l) == 0 || len(l) > 63 {
			return "", "label empty or too long"
		}
	}
	if len(labels[len(labels)-1]) >= 64 {
		return "", "label too long"
	}
	return host, ""
}

// addressLiteral recognises the host forms the system resolver answers
// without DNS: IPv6 (with an optional zone) and IPv4 in inet_aton's forms,
// which glibc accepts ("127.1", "0x7f.0.0.1", "2130706433" are all
// loopback). Treating them here keeps the public-address rule from being
// side-stepped by an exotic spelling, whatever resolver is injected.
func addressLiteral(host string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a, true
	}
	return inetAton(host)
}

func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, part := range parts {
		v, ok := atonPart(part)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	// The last part fills all remaining bytes; the others are one byte each.
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (8 * uint(3-i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func atonPart(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) > 1 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true // glibc reads a bare "0x" as zero
		}
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' || s[i] == '_' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, base, 32)
	return v, err == nil
}
