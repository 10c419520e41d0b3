package mcpspec

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

func iconJSON(src string) json.RawMessage {
	b, _ := json.Marshal([]map[string]string{{"src": src}})
	return b
}

func TestIconURLRules(t *testing.T) {
	base := func(mod func(*IconPolicy)) *IconPolicy {
		p := testPolicy()
		if mod != nil {
			mod(p)
		}
		return p
	}
	domains := func(p *IconPolicy) { p.AllowedDomains = []string{"assets.example.org", "*.CDN.example.org"} }
	for _, tc := range []struct {
		name   string
		policy func(*IconPolicy)
		src    string
		want   string // "" = accepted
	}{
		{name: "public https", src: "https://example.com/i.png"},
		{name: "http by default", src: "http://example.com/i.png", want: "Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'."},
		{name: "data uri", src: "data:image/png;base64,AAAA", want: "Invalid Icon URL scheme: 'data'. Allowed schemes are: 'https'."},
		{name: "no scheme", src: "example.com/i.png", want: "Invalid Icon URL scheme: ''. Allowed schemes are: 'https'."},
		{name: "upper-case scheme", src: "HTTPS://EXAMPLE.com/i.png"},
		{name: "empty", src: "", want: "Icon URL cannot be empty or just whitespace: ''"},
		{name: "blank", src: " \t", want: "Icon URL cannot be empty or just whitespace: ' \\t'"},
		{name: "bad brackets", src: "https://[::1/x", want: "Invalid Icon URL 'https://[::1/x': ValueError('Invalid IPv6 URL')"},
		{name: "bracketed ipv4", src: "https://[8.8.8.8]/x", want: "Invalid Icon URL 'https://[8.8.8.8]/x': ValueError('An IPv4 address cannot be in brackets')"},
		{name: "credentials", src: "https://u:p@example.com/i.png", want: "Icon URL must not include embedded credentials: 'https://u:p@example.com/i.png'"},
		{name: "user only", src: "https://u@example.com/i.png", want: "Icon URL must not include embedded credentials: 'https://u@example.com/i.png'"},
		{name: "empty userinfo", src: "https://:@example.com/i.png"},
		{name: "no host", src: "https:///i.png", want: "Icon URL must include a hostname: 'https:///i.png'"},
		{name: "loopback literal", src: "https://127.0.0.1/i.png", want: "Icon URL must not resolve to a non-public IP address. '127.0.0.1' resolves to 127.0.0.1."},
		{name: "decimal loopback", src: "https://2130706433/i.png", want: "Icon URL must not resolve to a non-public IP address. '2130706433' resolves to 127.0.0.1."},
		{name: "ipv6 loopback", src: "https://[::1]:8443/i.png", want: "Icon URL must not resolve to a non-public IP address. '::1' resolves to ::1."},
		{name: "metadata endpoint", src: "https://169.254.169.254/latest", want: "Icon URL must not resolve to a non-public IP address. '169.254.169.254' resolves to 169.254.169.254."},
		{name: "localhost", src: "https://localhost/i.png", want: "Icon URL must not resolve to a non-public IP address. 'localhost' resolves to ::1."},
		{name: "one private answer", src: "https://internal.example.org/i.png", want: "Icon URL must not resolve to a non-public IP address. 'internal.example.org' resolves to 10.0.0.7."},
		{name: "mapped answer", src: "https://mapped.example.org/i.png", want: "Icon URL must not resolve to a non-public IP address. 'mapped.example.org' resolves to 127.0.0.1."},
		{name: "public ipv6", src: "https://v6.example.org/i.png"},
		{name: "unknown host", src: "https://nowhere.example.org/i.png", want: "Cannot resolve Icon URL hostname 'nowhere.example.org': [Errno -2] Name or service not known"},
		{name: "dns failure", src: "https://failing.example.org/i.png", want: "Cannot resolve Icon URL hostname 'failing.example.org': [Errno -3] Temporary failure in name resolution"},
		{name: "empty label", src: "https://a..b/i.png", want: "Cannot resolve Icon URL hostname 'a..b': label empty or too long"},
		{name: "trailing dot", src: "https://example.com./i.png", want: "Cannot resolve Icon URL hostname 'example.com.': [Errno -2] Name or service not known"},
		{name: "idn", src: "https://bücher.example/i.png"},
		{name: "private allowed", policy: func(p *IconPolicy) { p.AllowPrivateIPs = true }, src: "https://127.0.0.1/i.png"},
		{name: "private allowed skips dns", policy: func(p *IconPolicy) { p.AllowPrivateIPs = true }, src: "https://nowhere.example.org/i.png"},
		{name: "private allowed keeps scheme rule", policy: func(p *IconPolicy) { p.AllowPrivateIPs = true }, src: "http://localhost/i.png", want: "Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'."},
		{name: "http enabled", policy: func(p *IconPolicy) { p.AllowedSchemes = []string{"https", "HTTP"} }, src: "http://example.com/i.png"},
		{name: "scheme list sorted", policy: func(p *IconPolicy) { p.AllowedSchemes = []string{"https", "http", "https"} }, src: "ftp://example.com/i.png",
			want: "Invalid Icon URL scheme: 'ftp'. Allowed schemes are: 'http', 'https'."},
		{name: "domain exact", policy: domains, src: "https://assets.example.org/i.png"},
		{name: "domain glob", policy: domains, src: "https://img.cdn.example.org/i.png"},
		{name: "domain outside", policy: domains, src: "https://other.example.org/i.png",
			want: "Icon URL host 'other.example.org' is not in the allowed domain list: assets.example.org, *.CDN.example.org."},
		{name: "address rule before domain rule", policy: func(p *IconPolicy) { p.AllowedDomains = []string{"assets.example.org"} },
			src: "https://cdn-private.example.io/i.png", want: "Icon URL must not resolve to a non-public IP address. 'cdn-private.example.io' resolves to 192.168.0.10."},
		{name: "domain rule with private allowed", policy: func(p *IconPolicy) { p.AllowPrivateIPs = true; p.AllowedDomains = []string{"assets.example.org"} },
			src: "https://localhost/i.png", want: "Icon URL host 'localhost' is not in the allowed domain list: assets.example.org."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CanonicalIcons(context.Background(), iconJSON(tc.src), "icons", base(tc.policy))
			if got := errText(t, err); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
			if err != nil && isIssueList(err) {
				t.Fatalf("icon URL failure %q must be a plain error, not an issue list", err)
			}
		})
	}
}

func TestIconPolicyFromEnv(t *testing.T) {
	type settings struct {
		schemes, domains []string
		private          bool
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    settings
		wantErr string
	}{
		{name: "unset", env: map[string]string{}},
		{name: "all set", env: map[string]string{
			EnvIconAllowedSchemes:  " http , https,",
			EnvIconAllowPrivateIPs: "TRUE",
			EnvIconAllowedDomains:  "assets.example.com, *.cdn.example.com",
		}, want: settings{schemes: []string{"http", "https"}, private: true, domains: []string{"assets.example.com", "*.cdn.example.com"}}},
		{name: "zero", env: map[string]string{EnvIconAllowPrivateIPs: "0"}},
		{name: "one", env: map[string]string{EnvIconAllowPrivateIPs: "1"}, want: settings{private: true}},
		{name: "bad boolean", env: map[string]string{EnvIconAllowPrivateIPs: "yes"},
			wantErr: "MLFLOW_ICON_URL_ALLOW_PRIVATE_IPS value must be one of ['true', 'false', '1', '0'] (case-insensitive), but got yes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := iconPolicyFromLookup(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := settings{schemes: p.AllowedSchemes, domains: p.AllowedDomains, private: p.AllowPrivateIPs}
			if !slices.Equal(got.schemes, tc.want.schemes) || got.private != tc.want.private || !slices.Equal(got.domains, tc.want.domains) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestIconPolicyFromEnvReadsProcessEnvironment(t *testing.T) {
	t.Setenv(EnvIconAllowedSchemes, "http")
	p, err := IconPolicyFromEnv()
	if err != nil || !slices.Equal(p.AllowedSchemes, []string{"http"}) {
		t.Fatalf("IconPolicyFromEnv() = %+v, %v", p, err)
	}
}

// blockingResolver never answers; lookups end when their context does.
type blockingResolver struct{}

func (blockingResolver) LookupIPAddr(ctx context.Context, _ string) ([]net.IPAddr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestIconLookupTimeouts(t *testing.T) {
	t.Run("lookup", func(t *testing.T) {
		p := &IconPolicy{Resolver: blockingResolver{}, LookupTimeout: time.Millisecond}
		_, err := CanonicalIcons(context.Background(), iconJSON("https://slow.example.org/i.png"), "icons", p)
		want := "Timed out resolving Icon URL hostname 'slow.example.org' after 0.001 seconds"
		if got := errText(t, err); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("waiting for a slot", func(t *testing.T) {
		p := &IconPolicy{Resolver: newFakeResolver(), LookupTimeout: time.Millisecond, MaxConcurrentLookups: 1}
		p.lookupSlots() <- struct{}{} // another request holds the only slot
		_, err := CanonicalIcons(context.Background(), iconJSON("https://example.com/i.png"), "icons", p)
		want := "Timed out waiting to resolve Icon URL hostname 'example.com' because too many hostname resolutions are already in progress"
		if got := errText(t, err); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		p := &IconPolicy{Resolver: blockingResolver{}}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := CanonicalIcons(ctx, iconJSON("https://slow.example.org/i.png"), "icons", p)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// gateResolver holds every lookup until the test lets it go, recording
// how many were in flight at once.
type gateResolver struct {
	mu       sync.Mutex
	inFlight int
	peak     int
	arrived  chan struct{}
	release  chan struct{}
}

func (g *gateResolver) LookupIPAddr(ctx context.Context, _ string) ([]net.IPAddr, error) {
	g.mu.Lock()
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	g.mu.Unlock()
	g.arrived <- struct{}{}
	<-g.release
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	return []net.IPAddr{{IP: net.ParseIP("8.8.8.8")}}, nil
}

func TestIconLookupsShareOneLimit(t *testing.T) {
	const limit, requests, hostsEach = 2, 3, 3
	g := &gateResolver{arrived: make(chan struct{}, requests*hostsEach), release: make(chan struct{})}
	p := &IconPolicy{Resolver: g, MaxConcurrentLookups: limit}
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for r := range requests {
		raw, _ := json.Marshal([]map[string]string{
			{"src": "https://a" + string(rune('0'+r)) + ".example.org/i.png"},
			{"src": "https://b" + string(rune('0'+r)) + ".example.org/i.png"},
			{"src": "https://c" + string(rune('0'+r)) + ".example.org/i.png"},
		})
		wg.Go(func() {
			_, err := CanonicalIcons(context.Background(), raw, "icons", p)
			errs <- err
		})
	}
	// Let lookups through one at a time, only once the limit is reached,
	// so that a broken limit shows as a peak above it.
	for range limit {
		<-g.arrived
	}
	for i := range requests * hostsEach {
		g.release <- struct{}{}
		if i < requests*hostsEach-limit {
			<-g.arrived
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if g.peak > limit {
		t.Fatalf("%d lookups ran at once, limit %d", g.peak, limit)
	}
}
