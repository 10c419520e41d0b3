package mcpspec

import (
	"net/netip"
	"testing"
)

// Expected values in this file were produced by CPython 3.11.7 (repr,
// str.strip().lower(), urllib.parse.urlparse, fnmatch.fnmatchcase), except
// the is_global table, which follows CPython 3.13 (see ipglobal.go).

func TestPyRepr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `''`},
		{"abc", `'abc'`},
		{"a'b", `"a'b"`},
		{`a"b`, `'a"b'`},
		{`a'"b`, `'a\'"b'`},
		{"tab\there", `'tab\there'`},
		{"nl\ncr\r", `'nl\ncr\r'`},
		{`bs\`, `'bs\\'`},
		{"\x00\x1f\x7f", `'\x00\x1f\x7f'`},
		{"\u0085\u00a0é", `'\x85\xa0é'`},
		{"\u2028\u200b", `'\u2028\u200b'`},
		{"😀\U000e0001", `'😀\U000e0001'`},
		{"ü mlaut", `'ü mlaut'`},
	} {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPyStripLower(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" IMAGE/PNG ", "image/png"},
		{"\x1c image/SVG+XML\x1f", "image/svg+xml"},
		{"\u3000Image/Png\u00a0", "image/png"},
		{"İMAGE/X", "i\u0307mage/x"},
		{"ΌΣΟΣ", "όσος"},
		{"ΑΣ Σ", "ας σ"},
		{"image/ΣΑ", "image/σα"},
	} {
		if got := pyLower(pyStrip(tc.in)); got != tc.want {
			t.Errorf("lower(strip(%q)) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyURLSplit(t *testing.T) {
	for _, tc := range []struct {
		in                     string
		scheme, host, user, pw string
		err                    string // repr of the ValueError
	}{
		{in: "https://example.com/i.png", scheme: "https", host: "example.com"},
		{in: "HTTPS://Example.COM:8443/x", scheme: "https", host: "example.com"},
		{in: "  https://example.com", scheme: "https", host: "example.com"},
		{in: "\thttps://ex\nample.com/", scheme: "https", host: "example.com"},
		{in: "data:image/png;base64,AA", scheme: "data"},
		{in: "//example.com/x", host: "example.com"},
		{in: "example.com/x"},
		{in: "localhost:8080/x", scheme: "localhost"},
		{in: "https://u:p@example.com/", scheme: "https", host: "example.com", user: "u", pw: "p"},
		{in: "https://@example.com/", scheme: "https", host: "example.com"},
		{in: "https://:@example.com/", scheme: "https", host: "example.com"},
		{in: "https://:p@example.com/", scheme: "https", host: "example.com", pw: "p"},
		{in: "https://[::1]:443/x", scheme: "https", host: "::1"},
		{in: "https://[fe80::1%25eth0]/", scheme: "https", host: "fe80::1%25eth0"},
		{in: "https://[1.2.3.4]/", err: `ValueError('An IPv4 address cannot be in brackets')`},
		{in: "https://[xyz]/", err: `ValueError("'xyz' does not appear to be an IPv4 or IPv6 address")`},
		{in: "https://[::1/", err: `ValueError('Invalid IPv6 URL')`},
		{in: "https://::1]/", err: `ValueError('Invalid IPv6 URL')`},
		// 3.11.7 accepts the next two; CPython's fix for CVE-2025-0938
		// (3.12.9, 3.13.2), which pyURLSplit follows, rejects them.
		{in: "https://a[::1]/", err: `ValueError('Invalid IPv6 URL')`},
		{in: "https://[::1]x/", err: `ValueError('Invalid IPv6 URL')`},
		{in: "https://[v1.abc]/", scheme: "https", host: "v1.abc"},
		{in: "https://[vz]/", err: `ValueError('IPvFuture address is invalid')`},
		{in: "https:///path", scheme: "https"},
		{in: "https://?x", scheme: "https"},
		{in: "https://exa mple.com/", scheme: "https", host: "exa mple.com"},
		{in: "https://a@b@c/", scheme: "https", host: "c", user: "a@b"},
		{in: "https://℀.com/", err: `ValueError("netloc '℀.com' contains invalid characters under NFKC normalization")`},
		{in: "https://ｅｘａｍｐｌｅ.com/", scheme: "https", host: "ｅｘａｍｐｌｅ.com"},
		{in: "1http://x"},
		{in: "h_ttp://x"},
		{in: "https://EXAMPLE.com%ZONE/", scheme: "https", host: "example.com%ZONE"},
	} {
		u, err := pyURLSplit(tc.in)
		if tc.err != "" {
			if err == nil || err.(*pyValueError).repr() != tc.err {
				t.Errorf("pyURLSplit(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("pyURLSplit(%q): %v", tc.in, err)
			continue
		}
		user, pw := u.userinfo()
		if u.scheme != tc.scheme || u.hostname() != tc.host || user != tc.user || pw != tc.pw {
			t.Errorf("pyURLSplit(%q) = scheme %q host %q user %q pw %q, want %q %q %q %q",
				tc.in, u.scheme, u.hostname(), user, pw, tc.scheme, tc.host, tc.user, tc.pw)
		}
	}
}

func TestFnmatch(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		want          bool
	}{
		{"foo.cdn.example.com", "*.cdn.example.com", true},
		{"cdn.example.com", "*.cdn.example.com", false},
		{"assets.example.com", "assets.example.com", true},
		{"assetsXexample.com", "assets.example.com", false},
		{"a.example.com", "?.example.com", true},
		{"ab.example.com", "?.example.com", false},
		{"b.example.com", "[a-c].example.com", true},
		{"d.example.com", "[a-c].example.com", false},
		{"d.example.com", "[!a-c].example.com", true},
		{"-.x", "[-a].x", true},
		{"b.x", "[-a].x", false},
		{"-.x", "[a-].x", true},
		{"b.x", "[c-a].x", false},
		{"x.x", "[!].x", false},
		{"[.x", "[.x", true},
		{"]", "[]]", true},
		{"a", "[]a]", true},
		{"b", "[a-b-c]", true},
		{"-", "[a-b-c]", true},
		{"c", "[a-b-c]", true},
		{"x", "*", true},
		{"", "*", true},
		{"abc", "a*c*", true},
		{"a.b.c", "a*.c", true},
		{`\`, `[\]`, true},
		{"a", "[!]", false},
		{"!", "[!]", false},
		{"é.com", "?.com", true},
		{"ab", "a**b", true},
		{"a", "[z-a]", false},
	} {
		if got := fnmatch(tc.name, tc.pattern); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", tc.name, tc.pattern, got, tc.want)
		}
	}
}

func TestIsGlobal(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},      // shared address space (CGNAT)
		{"100.128.0.1", true},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"192.0.0.8", false},
		{"192.0.0.9", true}, // exception: PCP anycast
		{"192.0.0.10", true},
		{"192.0.0.171", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"224.0.0.1", true}, // Python counts multicast as global
		{"::1", false},
		{"::", false},
		{"2606:4700::1111", true},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fec0::1", true}, // deprecated site-local is global to Python
		{"ff02::1", true}, // multicast
		{"2001:db8::1", false},
		{"2001::1", false},
		{"2001:1::1", true},
		{"2001:3::1", true},
		{"2001:4:112::1", true},
		{"2001:20::1", true},
		{"2002::1", false},
		{"3fff::1", false},
		{"64:ff9b:1::1", false},
		{"64:ff9b::808:808", true},
		{"100::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"::ffff:100.64.0.1", false},
	} {
		if got := isGlobal(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("isGlobal(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestAddressLiteral(t *testing.T) {
	for _, tc := range []struct {
		host, want string // want "" = not a literal
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"10.0.65535", "10.0.255.255"},
		{"10.0.65536", ""},
		{"256.0.0.1", ""},
		{"08.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"1.2.3.4.", ""},
		{"::1", "::1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"example.com", ""},
		{"1e100.net", ""},
		{"", ""},
	} {
		a, ok := addressLiteral(tc.host)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("addressLiteral(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
}
