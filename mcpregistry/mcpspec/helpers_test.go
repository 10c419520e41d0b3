package mcpspec

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// fakeResolver answers like the DNS patch of MLflow's wire-vector run:
// example.com and its subdomains are 8.8.8.8, localhost is loopback, a few
// test names have fixed answers, everything else does not exist.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	calls   []string
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{answers: map[string][]string{
		"localhost":              {"::1", "127.0.0.1"},
		"internal.example.org":   {"8.8.4.4", "10.0.0.7"},
		"mapped.example.org":     {"::ffff:127.0.0.1"},
		"v6.example.org":         {"2606:4700::1111"},
		"xn--bcher-kva.example":  {"8.8.8.8"},
		"assets.example.org":     {"8.8.8.8"},
		"img.cdn.example.org":    {"8.8.8.8"},
		"failing.example.org":    nil, // temporary failure
		"elsewhere.example.net":  {"1.1.1.1"},
		"other.example.org":      {"1.0.0.1"},
		"second.example.org":     {"1.0.0.2"},
		"third.example.org":      {"1.0.0.3"},
		"fourth.example.org":     {"1.0.0.4"},
		"cdn-private.example.io": {"192.168.0.10"},
	}}
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.mu.Lock()
	f.calls = append(f.calls, host)
	f.mu.Unlock()
	if host == "example.com" || strings.HasSuffix(host, ".example.com") {
		return []net.IPAddr{{IP: net.ParseIP("8.8.8.8")}}, nil
	}
	ips, ok := f.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if ips == nil {
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	out := make([]net.IPAddr, len(ips))
	for i, s := range ips {
		out[i] = net.IPAddr{IP: net.ParseIP(s)}
	}
	return out, nil
}

func (f *fakeResolver) lookedUp() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func testPolicy() *IconPolicy { return &IconPolicy{Resolver: newFakeResolver()} }

// errText is the message MLflow would send for err ("" for nil), checking
// that every failure is a client error.
func errText(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	if !errors.Is(err, mlflowerr.ErrInvalid) {
		t.Fatalf("error %q is not of kind ErrInvalid", err)
	}
	return err.Error()
}

// isIssueList reports whether err is MLflow's "Invalid request" shape.
func isIssueList(err error) bool {
	var re *mlflowerr.RequestError
	return errors.As(err, &re) && re.Title == "Invalid request"
}

// checkStored runs a list validator (CanonicalIcons, CanonicalTools) on in
// and compares the stored JSON, or the error message, with want.
func checkStored(t *testing.T, validate func(context.Context, json.RawMessage, string, *IconPolicy) (json.RawMessage, error), loc, in, want string) {
	t.Helper()
	out, err := validate(context.Background(), json.RawMessage(in), loc, testPolicy())
	got := errText(t, err)
	if err == nil {
		got = canonicalJSON(t, out)
	}
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
