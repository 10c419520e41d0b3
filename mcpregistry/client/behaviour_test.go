package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func TestHeadersAndBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name          string
		opt           Options
		wantAuth      string
		wantWorkspace string
		wantPath      string
	}{
		{"none", Options{}, "", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"basic", Options{Username: "u", Password: "p:w"}, "Basic dTpwOnc=", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"bearer", Options{Token: "tok"}, "Bearer tok", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"basic wins over bearer, as in MLflow", Options{Username: "u", Password: "p", Token: "tok"}, "Basic dTpw", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"username without password sends nothing", Options{Username: "u"}, "", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"user info in the URL", Options{TrackingURI: "http://u:p@SERVER"}, "Basic dTpw", "", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"workspace", Options{Workspace: "team-a"}, "", "team-a", "/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"static prefix", Options{TrackingURI: "http://SERVER/mlflow/"}, "", "", "/mlflow/api/3.0/mlflow/mcp-servers/a%2Fb"},
		{"escaped static prefix", Options{TrackingURI: "http://SERVER/ml%20flow"}, "", "", "/ml%20flow/api/3.0/mlflow/mcp-servers/a%2Fb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, _ := newTestClient(t, tc.opt)
			if _, err := c.GetServer(t.Context(), "a/b"); err != nil {
				t.Fatal(err)
			}
			r := rc.requests()[0]
			if got := r.Header.Get("Authorization"); got != tc.wantAuth {
				t.Errorf("Authorization %q, want %q", got, tc.wantAuth)
			}
			if got := r.Header.Get("X-Mlflow-Workspace"); got != tc.wantWorkspace {
				t.Errorf("workspace %q, want %q", got, tc.wantWorkspace)
			}
			if r.RequestURI != tc.wantPath {
				t.Errorf("path %s, want %s", r.RequestURI, tc.wantPath)
			}
			if strings.Contains(c.BaseURL(), "@") {
				t.Errorf("BaseURL %s carries credentials", c.BaseURL())
			}
		})
	}
}

func TestNewRejectsUnusableURIs(t *testing.T) {
	for _, uri := range []string{"", "sqlite:///mlflow.db", "file:///tmp/mlruns", "http://", "http://h/x?y=1", "mlruns"} {
		if _, err := New(Options{TrackingURI: uri}); err == nil {
			t.Errorf("New(%q) succeeded", uri)
		}
	}
	if _, err := New(Options{TrackingURI: "https://h", InsecureTLS: true, ServerCertPath: "/x.pem"}); err == nil {
		t.Error("insecure TLS together with a CA bundle was accepted")
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		a        answer
		code     string
		msg      string
		kind     error
		is       func(error) bool
		notFound bool
	}{
		{"mlflow not found", answer{status: 404, body: `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"MCP server 'a/b' not found"}`},
			"RESOURCE_DOES_NOT_EXIST", "MCP server 'a/b' not found", mlflowerr.ErrNotFound, IsNotFound, true},
		{"invalid", answer{status: 400, body: `{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid request: name: Field required"}`},
			"INVALID_PARAMETER_VALUE", "Invalid request: name: Field required", mlflowerr.ErrInvalid, IsInvalid, false},
		{"already exists is 400 but its own kind", answer{status: 400, body: `{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}`},
			"RESOURCE_ALREADY_EXISTS", "exists", mlflowerr.ErrAlreadyExists, IsAlreadyExists, false},
		{"unauthenticated", answer{status: 401, body: `{"error_code":"UNAUTHENTICATED","message":"no"}`},
			"UNAUTHENTICATED", "no", mlflowerr.ErrUnauthenticated, IsUnauthenticated, false},
		{"plain 401 from a proxy", answer{status: 401, body: `Unauthorized`},
			"UNAUTHENTICATED", "Unauthorized", mlflowerr.ErrUnauthenticated, IsUnauthenticated, false},
		{"forbidden", answer{status: 403, body: `{"error_code":"PERMISSION_DENIED","message":"no"}`},
			"PERMISSION_DENIED", "no", mlflowerr.ErrPermissionDenied, IsPermissionDenied, false},
		{"too large", answer{status: 413, body: `{"error_code":"INVALID_PARAMETER_VALUE","message":"big"}`},
			"INVALID_PARAMETER_VALUE", "big", mlflowerr.ErrTooLarge, IsInvalid, false},
		{"fastapi detail", answer{status: 405, body: `{"detail":"Method Not Allowed"}`},
			"METHOD_NOT_ALLOWED", "Method Not Allowed", nil, nil, false},
		{"unknown route is not a missing resource", answer{status: 404, body: `{"error_code":"ENDPOINT_NOT_FOUND","message":"No registry route"}`},
			"ENDPOINT_NOT_FOUND", "No registry route", nil, nil, false},
		{"html bad gateway", answer{status: 502, body: "<html>bad gateway</html>"},
			"TEMPORARILY_UNAVAILABLE", "<html>bad gateway</html>", mlflowerr.ErrUnavailable, IsUnavailable, false},
		{"internal", answer{status: 500, body: `{"error_code":"INTERNAL_ERROR","message":"Internal error."}`},
			"INTERNAL_ERROR", "Internal error.", nil, nil, false},
		{"empty body", answer{status: 500, body: ``}, "INTERNAL_ERROR", "Internal Server Error", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, Options{MaxRetries: -1}, tc.a)
			_, err := c.GetServer(t.Context(), "a/b")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			if e.Code != tc.code || e.Message != tc.msg || e.StatusCode != tc.a.status || e.Method != "GET" {
				t.Errorf("got %+v", e)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.kind)
			}
			if tc.is != nil && !tc.is(err) {
				t.Errorf("helper does not match %v", err)
			}
			if IsNotFound(err) != tc.notFound {
				t.Errorf("IsNotFound = %v", !tc.notFound)
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("message %q lacks the code", err)
			}
		})
	}
}

func TestLongErrorBodiesAreCut(t *testing.T) {
	c, _, _ := newTestClient(t, Options{MaxRetries: -1}, answer{status: 500, body: strings.Repeat("x", 5000)})
	_, err := c.GetServer(t.Context(), "a/b")
	var e *Error
	if !errors.As(err, &e) || len(e.Message) > maxErrorText+3 {
		t.Fatalf("got %v", err)
	}
}

func TestRetries(t *testing.T) {
	unavailable := answer{status: 503, body: `{"error_code":"TEMPORARILY_UNAVAILABLE","message":"db down"}`}
	ok := answer{status: 200, body: `{}`}
	invalid := answer{status: 400, body: `{"error_code":"INVALID_PARAMETER_VALUE","message":"x"}`}
	for _, tc := range []struct {
		name      string
		opt       Options
		answers   []answer
		call      func(c *Client) error
		wantCalls int
		wantErr   bool
	}{
		{"GET retried on 503 until it succeeds", Options{}, []answer{unavailable, unavailable, ok},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 3, false},
		{"GET retried on 429, 502 and 504", Options{}, []answer{{status: 429}, {status: 502}, {status: 504}, ok},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 4, false},
		{"GET retried on a dropped connection", Options{}, []answer{{hangUp: true}, ok},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 2, false},
		{"GET gives up after MaxRetries", Options{MaxRetries: 2}, []answer{unavailable},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 3, true},
		{"GET not retried when retries are off", Options{MaxRetries: -1}, []answer{unavailable},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 1, true},
		{"GET not retried on 400", Options{}, []answer{invalid},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 1, true},
		{"GET not retried on 500", Options{}, []answer{{status: 500}},
			func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 1, true},
		{"POST never retried", Options{}, []answer{unavailable, ok},
			func(c *Client) error { return c.SetAlias(t.Context(), "a/b", "prod", "1.0.0") }, 1, true},
		{"POST not retried on a dropped connection", Options{}, []answer{{hangUp: true}, ok},
			func(c *Client) error {
				_, err := c.CreateServer(t.Context(), wire.CreateServerRequest{Name: "a/b"})
				return err
			}, 1, true},
		{"PATCH never retried", Options{}, []answer{unavailable, ok},
			func(c *Client) error {
				_, err := c.UpdateServer(t.Context(), "a/b", wire.UpdateServerRequest{})
				return err
			}, 1, true},
		{"DELETE not retried on 503", Options{}, []answer{unavailable, ok},
			func(c *Client) error { return c.DeleteVersion(t.Context(), "a/b", "1.0.0") }, 1, true},
		{"DELETE not retried once the request may have arrived", Options{}, []answer{{hangUp: true}, ok},
			func(c *Client) error { return c.DeleteVersion(t.Context(), "a/b", "1.0.0") }, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rc, waits := newTestClient(t, tc.opt, tc.answers...)
			err := tc.call(c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if n := len(rc.requests()); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
			if len(*waits) != tc.wantCalls-1 {
				t.Errorf("%d waits for %d calls", len(*waits), tc.wantCalls)
			}
		})
	}
}

// A DELETE whose connection cannot even be opened never reached the
// server, so it is retried.
func TestDeleteRetriedWhenConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, tc := range []struct {
		method    string
		call      func(c *Client) error
		wantWaits int
	}{
		{"DELETE", func(c *Client) error { return c.DeleteServer(t.Context(), "a/b") }, 3},
		{"GET", func(c *Client) error { _, err := c.GetServer(t.Context(), "a/b"); return err }, 3},
		{"POST", func(c *Client) error { return c.SetServerTag(t.Context(), "a/b", "k", "v") }, 0},
	} {
		t.Run(tc.method, func(t *testing.T) {
			c, err := New(Options{TrackingURI: "http://" + addr, MaxRetries: 3})
			if err != nil {
				t.Fatal(err)
			}
			waits := 0
			c.sleep = func(_ context.Context, _ time.Duration) error { waits++; return nil }
			err = tc.call(c)
			var te *TransportError
			if !errors.As(err, &te) || !IsUnavailable(err) {
				t.Fatalf("got %v", err)
			}
			if waits != tc.wantWaits {
				t.Errorf("%d retries, want %d", waits, tc.wantWaits)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndHonoursRetryAfter(t *testing.T) {
	c, err := New(Options{TrackingURI: "http://h", RetryWait: 100 * time.Millisecond, MaxRetryWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{0, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 0, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, 0, 500 * time.Millisecond, time.Second},
		{100, 0, 500 * time.Millisecond, time.Second},
		{0, 700 * time.Millisecond, 700 * time.Millisecond, 700 * time.Millisecond},
		{0, time.Hour, time.Second, time.Second},
	} {
		for range 50 {
			if d := c.backoff(tc.attempt, tc.retryAfter); d < tc.lo || d > tc.hi {
				t.Fatalf("backoff(%d, %v) = %v, want within [%v, %v]", tc.attempt, tc.retryAfter, d, tc.lo, tc.hi)
			}
		}
	}
	if got := parseRetryAfter("3"); got != 3*time.Second {
		t.Errorf("Retry-After 3 = %v", got)
	}
}

func TestRetryAfterHeaderIsUsed(t *testing.T) {
	c, _, waits := newTestClient(t, Options{RetryWait: time.Millisecond, MaxRetryWait: time.Minute},
		answer{status: 503, header: map[string]string{"Retry-After": "7"}}, answer{status: 200, body: "{}"})
	if _, err := c.GetServer(t.Context(), "a/b"); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 1 || (*waits)[0] != 7*time.Second {
		t.Errorf("waits %v", *waits)
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	c, rc, _ := newTestClient(t, Options{}, answer{status: 503})
	ctx, cancel := context.WithCancel(t.Context())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if _, err := c.GetServer(ctx, "a/b"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Options
		wantErr bool
	}{
		{"empty", nil, Options{}, false},
		{"everything", map[string]string{
			EnvTrackingURI: "https://h/mlflow", EnvUsername: "u", EnvPassword: "p", EnvToken: "t", EnvWorkspace: "w",
			EnvInsecureTLS: "True", EnvMaxRetries: "2", EnvTimeout: "1.5",
		}, Options{TrackingURI: "https://h/mlflow", Username: "u", Password: "p", Token: "t", Workspace: "w",
			InsecureTLS: true, MaxRetries: 2, Timeout: 1500 * time.Millisecond}, false},
		{"zero retries means none", map[string]string{EnvMaxRetries: "0"}, Options{MaxRetries: -1}, false},
		{"bad boolean", map[string]string{EnvInsecureTLS: "yes please"}, Options{}, true},
		{"bad retries", map[string]string{EnvMaxRetries: "-1"}, Options{}, true},
		{"bad timeout", map[string]string{EnvTimeout: "soon"}, Options{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := optionsFrom(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tc.wantErr && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
