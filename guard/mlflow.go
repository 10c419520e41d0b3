package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/singleflight"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// MaxCacheTTL bounds --auth-cache-ttl: a password changed or a user deleted
// in MLflow must stop working here within minutes, not hours.
const MaxCacheTTL = 5 * time.Minute

// UpstreamConfig configures the authenticators that ask MLflow (ModeMLflow
// and ModeAuto). Zero values take the defaults named on each field.
type UpstreamConfig struct {
	// URL is MLflow's base URL (--upstream); a path in it is kept in front
	// of MLflow's routes, as the proxy does.
	URL string
	// Client sends the verification calls. Default: a 10 s timeout.
	// Redirects are never followed.
	Client *http.Client
	// CacheTTL is how long MLflow's yes is trusted (--auth-cache-ttl).
	// Default 30 s; negative disables the cache; at most MaxCacheTTL.
	CacheTTL time.Duration
	// CacheSize bounds the cache (entries). Default 10 000.
	CacheSize int
	// Now is the clock of the cache. Default time.Now.
	Now func() time.Time

	// ProbeInterval is how often auto mode asks MLflow whether it demands
	// authentication. Default 1 min.
	ProbeInterval time.Duration
	// ProbeRetryInterval is how soon auto mode asks again while the answer
	// is unknown (and every own route answers 503). Default 5 s.
	ProbeRetryInterval time.Duration

	Logger         *slog.Logger
	TracerProvider trace.TracerProvider // nil: the otel global
	MeterProvider  metric.MeterProvider // nil: the otel global
}

func (c *UpstreamConfig) setDefaults() error {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.TracerProvider == nil {
		c.TracerProvider = otel.GetTracerProvider()
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 30 * time.Second
	}
	if c.CacheTTL > MaxCacheTTL {
		return fmt.Errorf("--auth-cache-ttl %s is longer than the maximum %s", c.CacheTTL, MaxCacheTTL)
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 10_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ProbeInterval <= 0 {
		c.ProbeInterval = time.Minute
	}
	if c.ProbeRetryInterval <= 0 {
		c.ProbeRetryInterval = 5 * time.Second
	}
	var client http.Client
	if c.Client != nil {
		client = *c.Client
	} else {
		client = http.Client{Timeout: 10 * time.Second}
	}
	// A redirect is MLflow's answer (a login page), not a place to send
	// the caller's credentials.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Client = &client
	return nil
}

func parseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream URL %q must be http(s)://host[:port][/path]", raw)
	}
	return u, nil
}

// MLflow accepts a request when MLflow accepts its credentials
// (--auth=mlflow). It forwards the caller's Authorization and Cookie headers
// to MLflow (see verifier for which endpoint), caches MLflow's yes for
// CacheTTL under a keyed hash of those headers, shares one call among
// concurrent requests with the same credentials, and fails closed: when
// MLflow cannot answer, the request gets 503 and goes no further.
type MLflow struct {
	v     *verifier
	cache *credCache
	keys  *keyer
	calls singleflight.Group
	met   *metrics
	log   *slog.Logger
	// joined, when set, is called once a request waits for a verification
	// (tests use it to line up concurrent requests).
	joined func()
}

// NewMLflow builds the authenticator.
func NewMLflow(cfg UpstreamConfig) (*MLflow, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	base, err := parseUpstream(cfg.URL)
	if err != nil {
		return nil, err
	}
	met, err := newMetrics(cfg.MeterProvider)
	if err != nil {
		return nil, err
	}
	return &MLflow{
		v: &verifier{
			base: base, client: cfg.Client, met: met, log: cfg.Logger,
			tracer: cfg.TracerProvider.Tracer(instrumentationName),
		},
		cache: newCredCache(cfg.CacheTTL, cfg.CacheSize, cfg.Now),
		keys:  newKeyer(),
		met:   met,
		log:   cfg.Logger,
	}, nil
}

// Authenticate implements Authenticator.
func (m *MLflow) Authenticate(w http.ResponseWriter, r *http.Request) (*string, bool, error) {
	ctx := r.Context()
	c := credentialsOf(r)
	if c.empty() {
		// MLflow's basic-auth app refuses these too; asking it would let
		// anonymous traffic cost an upstream call per request.
		m.met.decision(ctx, ModeMLflow, outcomeUnauthenticated)
		writeChallenge(w, "")
		return nil, true, nil
	}
	key := m.keys.key(c.authorization, c.cookies)
	if id, ok := m.cache.get(key); ok {
		m.met.cache(ctx, true)
		m.met.decision(ctx, ModeMLflow, outcomeAllowed)
		scope.MarkAuthenticated(ctx)
		return id.ptr(), false, nil
	}
	m.met.cache(ctx, false)
	vd, err := m.verifyOnce(ctx, key, c)
	if err != nil {
		if ctx.Err() != nil {
			// The client went away while waiting; nobody reads the answer.
			return nil, false, mlflowerr.Unavailable("The request was cancelled while its credentials were being verified")
		}
		m.met.decision(ctx, ModeMLflow, outcomeUnavailable)
		m.log.WarnContext(ctx, "cannot verify credentials with MLflow; refusing the request", "err", err)
		return nil, false, mlflowerr.Unavailable("Cannot verify credentials: MLflow is not answering. Retry shortly.")
	}
	switch vd.kind {
	case accepted:
		m.cache.put(key, vd.id)
		m.met.decision(ctx, ModeMLflow, outcomeAllowed)
		scope.MarkAuthenticated(ctx)
		return vd.id.ptr(), false, nil
	case forbidden:
		m.met.decision(ctx, ModeMLflow, outcomeForbidden)
		return nil, false, mlflowerr.PermissionDenied("MLflow refused these credentials")
	default:
		m.met.decision(ctx, ModeMLflow, outcomeUnauthenticated)
		writeChallenge(w, vd.challenge)
		return nil, true, nil
	}
}

// verifyOnce runs one verification per key at a time. The call runs detached
// from any one caller's cancellation, so a client that hangs up does not
// fail the others waiting for the same answer; the client's timeout bounds
// it.
func (m *MLflow) verifyOnce(ctx context.Context, key credKey, c credentials) (verdict, error) {
	ch := m.calls.DoChan(string(key[:]), func() (any, error) {
		return m.v.verify(context.WithoutCancel(ctx), c)
	})
	if m.joined != nil {
		m.joined()
	}
	select {
	case res := <-ch:
		if res.Err != nil {
			return verdict{}, res.Err
		}
		return res.Val.(verdict), nil
	case <-ctx.Done():
		return verdict{}, errors.Join(errors.New("waiting for MLflow's verdict"), ctx.Err())
	}
}

// purge forgets every cached answer.
func (m *MLflow) purge() { m.cache.purge() }
