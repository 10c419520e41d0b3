package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The cost added to every own-route request with credentials MLflow has
// already accepted (a cache hit), and to every request by the Host rule.
func BenchmarkMLflowCacheHit(b *testing.B) {
	f := &fakeMLflow{}
	f.srv = httptest.NewServer(http.NotFoundHandler())
	defer f.srv.Close()
	m, err := NewMLflow(UpstreamConfig{URL: f.srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	r := ownRequest(http.MethodGet, basic("alice", alicePassword))
	key := m.keys.key(r.Header.Values("Authorization"), nil)
	m.cache.put(key, identity{user: "alice", known: true})
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		if u, handled, err := m.Authenticate(w, r); u == nil || handled || err != nil {
			b.Fatal("not a cache hit")
		}
	}
}

func BenchmarkHostRule(b *testing.B) {
	for _, bc := range []struct {
		name    string
		allowed []string
		host    string
	}{
		{"defaults", nil, "192.168.1.10:5001"},
		{"patterns", []string{"mlflow.example.com", "*.internal.example:*"}, "mlflow.a.internal.example:5001"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rule := NewHostRule(HostConfig{AllowedHosts: bc.allowed})
			b.ReportAllocs()
			for b.Loop() {
				if !rule.Allowed(bc.host) {
					b.Fatal("refused")
				}
			}
		})
	}
}
