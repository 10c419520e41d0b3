package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// failure is one way of not getting a response from MLflow.
type failure struct {
	kind    string // metric attribute and log field
	status  int
	message string
}

var (
	failTimeout = failure{"timeout", http.StatusGatewayTimeout,
		"The MLflow tracking server did not answer in time."}
	failRefused = failure{"refused", http.StatusBadGateway,
		"The MLflow tracking server is not accepting connections."}
	failDNS = failure{"dns", http.StatusBadGateway,
		"The MLflow tracking server's address could not be resolved."}
	failOther = failure{"error", http.StatusBadGateway,
		"The MLflow tracking server could not be reached."}
)

var failureKinds = []failure{failTimeout, failRefused, failDNS, failOther}

// classify maps a transport error to a failure. Timeouts (dial, response
// headers, a caller's deadline) are 504; every other failure to get an
// answer is 502. The messages name no address: the client has no use for
// the sidecar's network layout, and the log has the error itself.
func classify(err error) failure {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return failTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return failRefused
	case errors.As(err, &dns):
		return failDNS
	default:
		return failOther
	}
}

// outageLog logs an outage of MLflow once per burst rather than once per
// request: the first failure at once, then at most one summary per interval
// with a count, and recovery once. Nothing here decides whether to try
// MLflow: every request does, so recovery needs no reset.
type outageLog struct {
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	down atomic.Bool // read without the lock on every success

	mu      sync.Mutex
	since   time.Time // first failure of this outage
	lastLog time.Time
	pending int // failures not yet reported
	total   int // failures in this outage
}

func newOutageLog(log *slog.Logger, interval time.Duration, now func() time.Time) *outageLog {
	return &outageLog{log: log, interval: interval, now: now}
}

func (o *outageLog) failure(f failure, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if !o.down.Load() {
		o.down.Store(true)
		o.since, o.lastLog, o.pending, o.total = now, now, 0, 1
		o.log.Error("MLflow upstream unavailable", "kind", f.kind, "status", f.status, "error", err)
		return
	}
	o.total++
	o.pending++
	if now.Sub(o.lastLog) >= o.interval {
		o.log.Warn("MLflow upstream still unavailable", "kind", f.kind, "failures", o.pending,
			"failures_in_outage", o.total, "down_for", now.Sub(o.since).Round(time.Millisecond), "error", err)
		o.lastLog, o.pending = now, 0
	}
}

func (o *outageLog) success() {
	if !o.down.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down.Load() {
		return
	}
	o.down.Store(false)
	o.log.Info("MLflow upstream recovered", "failures_in_outage", o.total,
		"down_for", o.now().Sub(o.since).Round(time.Millisecond))
}
