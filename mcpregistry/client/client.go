package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the registry and trace-link routes of one server. It is safe
// for concurrent use.
type Client struct {
	origin string // scheme://host[:port]
	prefix string // escaped static prefix, "" or "/mlflow"
	opt    Options
	hc     *http.Client
	auth   string
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client for opt.TrackingURI.
func New(opt Options) (*Client, error) {
	opt = opt.withDefaults()
	u, err := url.Parse(strings.TrimSpace(opt.TrackingURI))
	if err != nil {
		return nil, fmt.Errorf("tracking URI: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tracking URI %q: need http:// or https:// and a host (the registry is only reachable through a tracking server)", redactURL(u))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("tracking URI %q: a query or fragment is not allowed", redactURL(u))
	}
	if u.User != nil && opt.Username == "" && opt.Token == "" {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	hc, err := opt.httpClient()
	if err != nil {
		return nil, err
	}
	c := &Client{
		origin: u.Scheme + "://" + u.Host,
		prefix: strings.TrimRight(u.EscapedPath(), "/"),
		opt:    opt,
		hc:     hc,
		sleep:  sleepCtx,
	}
	switch {
	case opt.Username != "" && opt.Password != "":
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(opt.Username+":"+opt.Password))
	case opt.Token != "":
		c.auth = "Bearer " + opt.Token
	}
	return c, nil
}

// FromEnv is New(OptionsFromEnv()).
func FromEnv() (*Client, error) {
	opt, err := OptionsFromEnv()
	if err != nil {
		return nil, err
	}
	if opt.TrackingURI == "" {
		return nil, fmt.Errorf("%s is not set", EnvTrackingURI)
	}
	return New(opt)
}

// BaseURL is the tracking URI the client talks to, without credentials.
func (c *Client) BaseURL() string { return c.origin + c.prefix }

// Workspace is the workspace the client sends, "" for the server's default.
func (c *Client) Workspace() string { return c.opt.Workspace }

func redactURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	v := *u
	v.User = url.User("redacted")
	return v.String()
}

// maxResponseBytes bounds a response body held in memory: a search page of
// 1000 servers with their versions' tools stays far below it.
const maxResponseBytes = 256 << 20

// call is one API request. path is already escaped (built with seg).
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	out    any
}

func (c *Client) do(ctx context.Context, r call) error {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
	}
	target := c.origin + c.prefix + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		retryAfter, err := c.attempt(ctx, r, target, payload)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= c.opt.MaxRetries || !retryable(r.method, err) {
			return err
		}
		if err := c.sleep(ctx, c.backoff(attempt, retryAfter)); err != nil {
			return err
		}
	}
}

// attempt sends the request once. On a retryable answer it also returns the
// server's Retry-After, if any.
func (c *Client) attempt(ctx context.Context, r call, target string, payload []byte) (time.Duration, error) {
	if c.opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opt.Timeout)
		defer cancel()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opt.UserAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.opt.Workspace != "" {
		req.Header.Set("X-MLFLOW-WORKSPACE", c.opt.Workspace)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, &TransportError{Method: r.method, URL: target, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, &TransportError{Method: r.method, URL: target, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if len(data) > maxResponseBytes {
		return 0, fmt.Errorf("%s %s: response larger than %d bytes", r.method, target, maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseRetryAfter(resp.Header.Get("Retry-After")), parseError(r.method, target, resp.StatusCode, data)
	}
	if r.out == nil {
		return 0, nil
	}
	if err := json.Unmarshal(data, r.out); err != nil {
		return 0, fmt.Errorf("%s %s: decoding the response: %w", r.method, target, err)
	}
	return 0, nil
}

// unwrapURLError drops *url.Error's "Get <url>:" prefix; TransportError
// names the request itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// backoff is the wait before retry attempt+1: exponential, capped, with
// "equal jitter" (half fixed, half random) so that clients retrying the
// same outage spread out but never retry at once.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.opt.RetryWait << min(attempt, 30)
	if d <= 0 || d > c.opt.MaxRetryWait {
		d = c.opt.MaxRetryWait
	}
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, c.opt.MaxRetryWait)
	}
	return d
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
