package guard

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestHeaderAuthenticate(t *testing.T) {
	trusted, err := ParseCIDRs([]string{"10.0.0.0/8", "fd00::/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		remote string
		values []string // X-Forwarded-User values
		status int
		user   string // "" = not reached
		code   string
	}{
		{name: "trusted proxy names the user", remote: "10.1.2.3:40000", values: []string{"alice@example.com"}, status: 200, user: "alice@example.com"},
		{name: "trusted single address", remote: "192.0.2.7:40000", values: []string{"bob"}, status: 200, user: "bob"},
		{name: "trusted IPv6 proxy", remote: "[fd00::5]:40000", values: []string{"carol"}, status: 200, user: "carol"},
		{name: "IPv4-mapped address of a trusted proxy", remote: "[::ffff:10.0.0.9]:40000", values: []string{"dave"}, status: 200, user: "dave"},
		{name: "value is trimmed", remote: "10.1.2.3:1", values: []string{"  erin "}, status: 200, user: "erin"},
		{name: "trusted proxy without the header", remote: "10.1.2.3:40000", status: 401, code: "UNAUTHENTICATED"},
		{name: "empty header", remote: "10.1.2.3:40000", values: []string{" "}, status: 401, code: "UNAUTHENTICATED"},
		{name: "control character", remote: "10.1.2.3:40000", values: []string{"al\x01ice"}, status: 401, code: "UNAUTHENTICATED"},
		{name: "too long", remote: "10.1.2.3:40000", values: []string{strings.Repeat("a", 256)}, status: 401, code: "UNAUTHENTICATED"},
		{name: "header twice", remote: "10.1.2.3:40000", values: []string{"mallory", "alice"}, status: 403, code: "PERMISSION_DENIED"},
		{name: "untrusted address with the header", remote: "203.0.113.9:40000", values: []string{"admin"}, status: 403, code: "PERMISSION_DENIED"},
		{name: "untrusted address without it", remote: "203.0.113.9:40000", status: 401, code: "UNAUTHENTICATED"},
		{name: "untrusted neighbour of a single address", remote: "192.0.2.8:40000", values: []string{"bob"}, status: 403, code: "PERMISSION_DENIED"},
		{name: "unparsable remote address", remote: "pipe", values: []string{"alice"}, status: 403, code: "PERMISSION_DENIED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log, logs := newTestLogger()
			a, err := NewHeader(HeaderConfig{Header: "x-forwarded-user", TrustedProxies: trusted, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			r := ownRequest(http.MethodPost, nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.values {
				r.Header.Add("X-Forwarded-User", v)
			}
			res := serveOwn(a, r)
			if res.status != tc.status || res.reached != (tc.user != "") {
				t.Fatalf("status %d reached %v, want %d %v (%s)", res.status, res.reached, tc.status, tc.user != "", res.body)
			}
			if tc.user != "" && userString(res.user) != tc.user {
				t.Fatalf("user %s, want %s", userString(res.user), tc.user)
			}
			if tc.code != "" && !strings.Contains(res.body, `"error_code":"`+tc.code+`"`) {
				t.Fatalf("body %q lacks %s", res.body, tc.code)
			}
			if tc.status == 403 && !strings.Contains(logs.String(), "X-Forwarded-User") {
				t.Fatalf("a refused user header was not logged: %q", logs.String())
			}
		})
	}
}

func TestHeaderConfig(t *testing.T) {
	some := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	if _, err := NewHeader(HeaderConfig{TrustedProxies: some}); err == nil {
		t.Error("no header name accepted")
	}
	if _, err := NewHeader(HeaderConfig{Header: "X-Forwarded-User"}); err == nil {
		t.Error("no trusted proxies accepted")
	}
}

func TestParseCIDRs(t *testing.T) {
	cases := []struct {
		in   []string
		want string // prefixes joined by space, or "error"
	}{
		{[]string{"10.0.0.0/8", " 192.0.2.7 ", ""}, "10.0.0.0/8 192.0.2.7/32"},
		{[]string{"10.1.2.3/8"}, "10.0.0.0/8"},
		{[]string{"fd00::/8", "::1"}, "fd00::/8 ::1/128"},
		{[]string{"::ffff:10.0.0.1"}, "10.0.0.1/32"},
		{[]string{"10.0.0.0/33"}, "error"},
		{[]string{"proxy.internal"}, "error"},
	}
	for _, tc := range cases {
		ps, err := ParseCIDRs(tc.in)
		got := "error"
		if err == nil {
			var parts []string
			for _, p := range ps {
				parts = append(parts, p.String())
			}
			got = strings.Join(parts, " ")
		}
		if got != tc.want {
			t.Errorf("ParseCIDRs(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
