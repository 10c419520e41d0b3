package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Config configures the upstream (MLflow) reverse proxy. Zero values take
// the defaults named on each field.
type Config struct {
	// URL is MLflow's base URL, e.g. "http://127.0.0.1:5000" or
	// "http://mlflow:5000/base" (a path is prepended to every request path).
	URL    string
	Logger *slog.Logger // default slog.Default()

	// DialTimeout bounds connecting (and a TLS handshake). Default 5s.
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for MLflow's response headers
	// after the request body was sent; never the body. Default 0: none.
	ResponseHeaderTimeout time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool to MLflow. Default 512.
	MaxIdleConnsPerHost int

	// TrustForwardedHeaders keeps the client's X-Forwarded-Host and
	// X-Forwarded-Proto, the last value of each (the one the nearest proxy
	// set), and uses them to decide what the client's origin is. Set it
	// only when a proxy that sets them sits in front of the sidecar;
	// otherwise any client could claim any origin.
	TrustForwardedHeaders bool
	// TrustSameOrigin, when set, says for which client hosts (Host, or
	// X-Forwarded-Host when trusted) an Origin equal to the client's own
	// origin is rewritten to MLflow's. For any other host such an Origin is
	// forwarded unchanged and MLflow's CORS policy judges it: a host the
	// Host rule admits only by a wildcard may be an attacker's name rebound
	// to the sidecar's address (guard.HostRule.Exact is the predicate to
	// use). nil trusts every host.
	TrustSameOrigin func(host string) bool

	// Tap, when set, sees the bodies of the requests it Wants.
	Tap Tap
	// TapMaxBytes caps the copy of a tapped request body. Default 16 MiB.
	TapMaxBytes int64
	// TapBudgetBytes caps the copies of all tapped requests in flight
	// together. A copy grows as bytes arrive, paid for from this budget;
	// when the budget cannot pay, that request goes on untapped (Done gets
	// a nil body). Forwarding is never affected. Default 64 MiB.
	TapBudgetBytes int64

	// ErrorLogInterval is the least time between two log lines about one
	// upstream outage. Default 30s.
	ErrorLogInterval time.Duration

	// Telemetry providers; nil means the otel globals (which delegate to
	// providers installed after NewUpstream).
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	Propagator     propagation.TextMapPropagator
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.MaxIdleConnsPerHost == 0 {
		c.MaxIdleConnsPerHost = 512
	}
	if c.TapMaxBytes == 0 {
		c.TapMaxBytes = 16 << 20
	}
	if c.TapBudgetBytes == 0 {
		c.TapBudgetBytes = 64 << 20
	}
	if c.ErrorLogInterval == 0 {
		c.ErrorLogInterval = 30 * time.Second
	}
}

// Upstream forwards requests to MLflow, streaming both bodies. See the
// package documentation for the header, Host and Origin rules.
type Upstream struct {
	cfg       Config
	target    *url.URL
	basePath  string // target's escaped path without a trailing slash
	origin    string // target's origin, sent in place of a same-origin Origin
	rp        *httputil.ReverseProxy
	transport *http.Transport
	outage    *outageLog
	metrics   *metrics
	taps      *tapBudget
}

// NewUpstream builds the proxy to cfg.URL.
func NewUpstream(cfg Config) (*Upstream, error) {
	cfg.setDefaults()
	target, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("upstream URL: %w", err)
	}
	if (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("upstream URL %q must be http(s)://host[:port][/path]", cfg.URL)
	}
	if target.RawQuery != "" || target.Fragment != "" || target.User != nil {
		return nil, fmt.Errorf("upstream URL %q must not carry a query, fragment or user info", cfg.URL)
	}
	if cfg.TapMaxBytes < 0 || cfg.TapBudgetBytes < 0 {
		return nil, fmt.Errorf("tap limits must not be negative")
	}
	met, err := newMetrics(cfg.MeterProvider)
	if err != nil {
		return nil, err
	}
	u := &Upstream{
		cfg:       cfg,
		target:    target,
		basePath:  strings.TrimSuffix(target.EscapedPath(), "/"),
		origin:    target.Scheme + "://" + strings.ToLower(target.Host),
		transport: newTransport(cfg),
		outage:    newOutageLog(cfg.Logger, cfg.ErrorLogInterval, time.Now),
		metrics:   met,
		taps:      &tapBudget{limit: cfg.TapBudgetBytes},
	}
	tp := cfg.TracerProvider
	if tp == nil {
		// The global provider delegates to whatever is installed later; naming
		// it here saves otelhttp building a tracer on every request.
		tp = otel.GetTracerProvider()
	}
	otelOpts := []otelhttp.Option{otelhttp.WithTracerProvider(tp)}
	if cfg.MeterProvider != nil {
		otelOpts = append(otelOpts, otelhttp.WithMeterProvider(cfg.MeterProvider))
	}
	if cfg.Propagator != nil {
		otelOpts = append(otelOpts, otelhttp.WithPropagators(cfg.Propagator))
	}
	u.rp = &httputil.ReverseProxy{
		Rewrite:   u.rewrite,
		Transport: otelhttp.NewTransport(querylessSpanURL{u.transport}, otelOpts...),
		// 0 keeps whole writes for sized bodies; ReverseProxy already
		// flushes every write of text/event-stream and of unsized
		// (chunked) responses, which is what SSE and streams need.
		FlushInterval:  0,
		BufferPool:     newBufferPool(),
		ModifyResponse: u.modifyResponse,
		ErrorHandler:   u.handleError,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return u, nil
}

// Close drops idle upstream connections.
func (u *Upstream) Close() { u.transport.CloseIdleConnections() }

// ServeHTTP forwards r to MLflow.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u.cfg.Tap != nil && u.cfg.Tap.Wants(r) {
		u.serveTapped(w, r)
		return
	}
	u.rp.ServeHTTP(w, r)
}

func (u *Upstream) rewrite(pr *httputil.ProxyRequest) {
	in, out := pr.In, pr.Out
	// ReverseProxy re-encodes a query it cannot parse (one with ';' or a
	// bad escape); MLflow must get exactly what the client sent.
	out.URL.RawQuery = in.URL.RawQuery
	pr.SetURL(u.target) // also makes the Host header the upstream's
	u.keepExactPath(in, out)

	out.Header["X-Forwarded-For"] = in.Header["X-Forwarded-For"]
	pr.SetXForwarded()
	if u.cfg.TrustForwardedHeaders {
		for _, h := range [...]string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
			if v := ForwardedValue(in.Header, h); v != "" {
				out.Header.Set(h, v)
			}
		}
	}
	if o := in.Header.Get("Origin"); o != "" {
		scheme, host := clientOrigin(in, u.cfg.TrustForwardedHeaders)
		if sameOrigin(o, scheme, host) && (u.cfg.TrustSameOrigin == nil || u.cfg.TrustSameOrigin(host)) {
			out.Header.Set("Origin", u.origin)
		}
	}
	stripProxyHeaders(out.Header)
	if out.Body != nil {
		out.Body = &clientBody{ReadCloser: out.Body}
	}
}

// clientBody remembers that reading the client's body failed, so that the
// resulting transport error is not taken for an MLflow failure.
type clientBody struct {
	io.ReadCloser
	failed atomic.Bool
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.failed.Store(true)
	}
	return n, err
}

// keepExactPath sends the path bytes the client sent. net/url re-escapes a
// few characters it considers invalid in a path (e.g. '|' becomes %7C);
// MLflow must see the original, so those rare paths go out as Opaque.
func (u *Upstream) keepExactPath(in, out *http.Request) {
	raw := in.RequestURI
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if !strings.HasPrefix(raw, "/") {
		return // absolute-form or "*": net/url's reading is all there is
	}
	esc := out.URL.EscapedPath()
	if strings.HasPrefix(esc, u.basePath) && esc[len(u.basePath):] == raw {
		return
	}
	// An Opaque starting with "//" would be read as an authority.
	if want := u.basePath + raw; !strings.HasPrefix(want, "//") {
		out.URL.Opaque = want
	}
}

func (u *Upstream) modifyResponse(res *http.Response) error {
	u.outage.success()
	u.metrics.response(res.Request.Context(), res.StatusCode)
	if u.cfg.Tap != nil {
		if st := tapStateFrom(res.Request.Context()); st != nil {
			st.status = res.StatusCode
		}
	}
	return nil
}

// handleError answers when MLflow gave no response. A client that went away
// is not an upstream failure: nothing is logged as one or written.
func (u *Upstream) handleError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if errors.Is(ctx.Err(), context.Canceled) {
		// Whatever the transport's error says, the client (or the server,
		// shutting down) is gone; a deadline set in front of us, though, is
		// a timeout like any other and gets its 504 below.
		u.cfg.Logger.DebugContext(ctx, "client went away before MLflow answered", "path", r.URL.Path, "error", err)
		return
	}
	if b, ok := r.Body.(*clientBody); ok && b.failed.Load() {
		// The client stopped sending (gone, or a broken chunked body); if
		// it still listens, the fault is its own.
		u.cfg.Logger.DebugContext(ctx, "client request body failed", "path", r.URL.Path, "error", err)
		mlflowerr.WriteCode(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "The request body could not be read.")
		return
	}
	f := classify(err)
	u.outage.failure(f, err)
	u.metrics.upstreamError(ctx, f)
	u.metrics.response(ctx, f.status)
	mlflowerr.WriteCode(w, f.status, "TEMPORARILY_UNAVAILABLE", f.message)
}

// serveTapped forwards r while copying its body for the Tap, then calls
// Tap.Done once the response is out: after the last write and a flush, so
// the client never waits for the tap.
func (u *Upstream) serveTapped(w http.ResponseWriter, r *http.Request) {
	r2, st, tee := withTap(r, u.cfg.TapMaxBytes, u.taps)
	if tee != nil {
		defer tee.release()
	}
	u.rp.ServeHTTP(w, r2)
	if st.status == 0 {
		return // MLflow never answered: there is nothing to tap.
	}
	_ = http.NewResponseController(w).Flush()
	var body []byte
	switch {
	case tee != nil:
		body = tee.seal()
	case r.ContentLength == 0:
		body = []byte{}
	}
	u.cfg.Tap.Done(context.WithoutCancel(r.Context()), r, st.status, body)
}
