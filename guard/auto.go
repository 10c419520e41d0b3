package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Auto follows MLflow's own setting (--auth=auto): it asks MLflow, without
// credentials, for a route that MLflow protects whenever authentication is
// on. 401 (or a redirect to a login page) means MLflow demands credentials,
// and Auto behaves as MLflow; a 2xx with MLflow's JSON answer means it does
// not, and Auto lets everyone through as None. Anything else (MLflow
// unreachable, 5xx, a 403 from its own Host check, a 2xx page that is not
// MLflow's answer) leaves the answer unknown, and while it is unknown every
// request gets 503: the sidecar never guesses open.
//
// The probe runs at start, then every ProbeInterval, and every
// ProbeRetryInterval while the answer is unknown; Run drives it.
type Auto struct {
	mlflow *MLflow
	probe  *url.URL
	client *http.Client
	every  time.Duration
	retry  time.Duration
	log    *slog.Logger
	// after is time.After; tests drive the probe loop through it.
	after func(time.Duration) <-chan time.Time

	mu       sync.Mutex // serialises probes, so transitions are logged in order
	reported bool       // the current outage was logged (under mu)
	state    atomic.Value
}

// probeTimeout bounds one probe, whatever the client's own timeout.
const probeTimeout = 10 * time.Second

// NewAuto builds the authenticator; its mode is unknown until the first
// probe (see Run and Probe).
func NewAuto(cfg UpstreamConfig) (*Auto, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	m, err := NewMLflow(cfg)
	if err != nil {
		return nil, err
	}
	probe := *m.v.base
	probe.Path = strings.TrimSuffix(probe.Path, "/") + searchPath
	probe.RawPath = ""
	probe.RawQuery = searchQuery
	a := &Auto{
		mlflow: m, probe: &probe, client: m.v.client,
		every: cfg.ProbeInterval, retry: cfg.ProbeRetryInterval,
		log: cfg.Logger, after: time.After,
	}
	a.state.Store(Mode(""))
	return a, nil
}

// Mode is the mode Auto behaves as: ModeMLflow, ModeNone, or "" while
// unknown.
func (a *Auto) Mode() Mode { return a.state.Load().(Mode) }

// Check is a readiness check: an error while the mode is unknown.
func (a *Auto) Check(context.Context) error {
	if a.Mode() == "" {
		return errors.New("MLflow has not yet said whether it requires authentication")
	}
	return nil
}

// Run probes at once and then on schedule until ctx ends.
func (a *Auto) Run(ctx context.Context) {
	for {
		wait := a.every
		if a.Probe(ctx) == "" {
			wait = a.retry
		}
		select {
		case <-ctx.Done():
			return
		case <-a.after(wait):
		}
	}
}

// Probe asks MLflow once, updates the mode and returns it. A probe cut
// short by ctx (shutdown) changes nothing.
func (a *Auto) Probe(ctx context.Context) Mode {
	a.mu.Lock()
	defer a.mu.Unlock()
	mode, err := a.ask(ctx)
	prev := a.Mode()
	if ctx.Err() != nil {
		return prev
	}
	if mode != prev {
		if mode == ModeMLflow {
			// Answers cached under an earlier MLflow setup are stale.
			a.mlflow.purge()
		}
		a.state.Store(mode)
	}
	switch {
	case err != nil && (prev != "" || !a.reported):
		// Once per outage, not once per retry.
		a.reported = true
		a.log.WarnContext(ctx, "cannot tell whether MLflow requires authentication; the sidecar's own routes answer 503 until it can",
			"err", err, "retry_every", a.retry)
	case err != nil:
		a.log.DebugContext(ctx, "MLflow still not answering the authentication probe", "err", err)
	case mode != prev && mode == ModeMLflow:
		a.reported = false
		a.log.InfoContext(ctx, "MLflow requires authentication: the sidecar's own routes check credentials with MLflow (auth mode mlflow)")
	case mode != prev:
		a.reported = false
		a.log.InfoContext(ctx, "MLflow does not require authentication: the sidecar's own routes are open (auth mode none)")
	}
	return mode
}

func (a *Auto) ask(ctx context.Context) (Mode, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	resp, err := tracedGet(ctx, a.mlflow.v.tracer, a.client, a.probe, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized, s >= 300 && s < 400:
		return ModeMLflow, nil
	case s >= 200 && s < 300:
		if err != nil {
			return "", fmt.Errorf("reading MLflow's answer to %s: %w", searchPath, err)
		}
		if err := searchAnswer(resp.Header.Get("Content-Type"), body); err != nil {
			return "", fmt.Errorf("MLflow answered %d to %s, but %w", s, searchPath, err)
		}
		return ModeNone, nil
	default:
		return "", fmt.Errorf("MLflow answered %d to %s", s, searchPath)
	}
}

// searchAnswer checks that a 2xx answer to experiments/search is MLflow's:
// a JSON object whose "experiments", when present, is an array (MLflow
// leaves empty fields out, so "{}" is a valid answer). Anything else, such
// as an SSO or maintenance page answering 200 in front of MLflow, says
// nothing about MLflow's authentication, and taking it for "open" would
// open the registry.
func searchAnswer(contentType string, body []byte) error {
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return fmt.Errorf("not with JSON (Content-Type %q)", clip(contentType))
	}
	if len(body) > maxAnswerBytes {
		return errors.New("with more than MLflow sends for one experiment")
	}
	var answer map[string]json.RawMessage
	if err := json.Unmarshal(body, &answer); err != nil || answer == nil {
		return errors.New("not with a JSON object")
	}
	if e, ok := answer["experiments"]; ok {
		var list []json.RawMessage
		if json.Unmarshal(e, &list) != nil {
			return errors.New(`with an "experiments" that is not a list`)
		}
	}
	return nil
}

// Authenticate implements Authenticator.
func (a *Auto) Authenticate(w http.ResponseWriter, r *http.Request) (*string, bool, error) {
	switch a.Mode() {
	case ModeNone:
		return nil, false, nil
	case ModeMLflow:
		return a.mlflow.Authenticate(w, r)
	}
	a.mlflow.met.decision(r.Context(), ModeAuto, outcomeUnavailable)
	return nil, false, mlflowerr.Unavailable(
		"The sidecar cannot tell yet whether MLflow requires authentication (MLflow is not answering). Retry shortly.")
}
