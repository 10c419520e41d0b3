package mcpspec

import "net/netip"

// isGlobal is Python's ipaddress ip_address(x).is_global, which MLflow uses
// to decide whether an icon host is "public". The tables are CPython's
// (Lib/ipaddress.py, 3.13+ and the 3.12.4 security backport of
// gh-113171/CVE-2024-4032), copied as data: IANA's "not globally reachable"
// special-purpose blocks with their exceptions, plus 100.64.0.0/10 (shared
// address space, neither private nor global), and IPv4-mapped IPv6
// addresses judged by the IPv4 address they carry.
//
// Python quirks kept on purpose, because MLflow inherits them: multicast
// (224.0.0.0/4, ff00::/8) and IPv6 site-local (fec0::/10) count as global.
// Older Pythons (e.g. 3.11.7) had shorter tables (no 2002::/16,
// 64:ff9b:1::/48, 3fff::/20, 192.0.0.0/24 only /29, no exceptions); the
// newer tables are the safer reading.
func isGlobal(a netip.Addr) bool {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		if sharedAddressSpace.Contains(a) {
			return false
		}
		return !inTable(a, privateV4, privateV4Exceptions)
	}
	return !inTable(a, privateV6, privateV6Exceptions)
}

func inTable(a netip.Addr, nets, exceptions []netip.Prefix) bool {
	for _, n := range nets {
		if n.Contains(a) {
			for _, e := range exceptions {
				if e.Contains(a) {
					return false
				}
			}
			return true
		}
	}
	return false
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// _IPv4Constants._private_networks and _private_networks_exceptions.
var (
	privateV4 = prefixes(
		"0.0.0.0/8",
		"10.0.0.0/8",
		"127.0.0.0/8",
		"169.254.0.0/16",
		"172.16.0.0/12",
		"192.0.0.0/24",
		"192.0.0.170/31",
		"192.0.2.0/24",
		"192.168.0.0/16",
		"198.18.0.0/15",
		"198.51.100.0/24",
		"203.0.113.0/24",
		"240.0.0.0/4",
		"255.255.255.255/32",
	)
	privateV4Exceptions = prefixes(
		"192.0.0.9/32",
		"192.0.0.10/32",
	)
)

// _IPv6Constants._private_networks and _private_networks_exceptions.
// ::ffff:0:0/96 never matches here: mapped addresses were unmapped above.
var (
	privateV6 = prefixes(
		"::1/128",
		"::/128",
		"::ffff:0:0/96",
		"64:ff9b:1::/48",
		"100::/64",
		"2001::/23",
		"2001:db8::/32",
		"2002::/16",
		"3fff::/20",
		"fc00::/7",
		"fe80::/10",
	)
	privateV6Exceptions = prefixes(
		"2001:1::1/128",
		"2001:1::2/128",
		"2001:3::/32",
		"2001:4:112::/48",
		"2001:20::/28",
		"2001:30::/28",
	)
)

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(s))
	for i, p := range s {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}
