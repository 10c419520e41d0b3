package otlplink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// TracesPath is MLflow's OTLP/HTTP trace receiver.
const TracesPath = "/v1/traces"

// Options configure a Linker. Zero values take the defaults named.
type Options struct {
	// StaticPrefix is MLflow's --static-prefix; exports are watched at
	// TracesPath with and without it.
	StaticPrefix string
	// QueueSize bounds the exports waiting to be read (default 256), and
	// QueueBytes their total size (default 64 MiB). Past either, an export
	// is forwarded as always but not linked (dropped, queue_full).
	QueueSize  int
	QueueBytes int64
	// Workers read exports and link concurrently (default 2).
	Workers int
	// MaxAttempts bounds the tries per trace (default 10): MLflow may store
	// a trace after answering, and the database may fail for a moment.
	// Retries wait RetryDelay (default 250 ms), doubling up to MaxRetryDelay
	// (default 5 s): about 30 s in all with the defaults.
	MaxAttempts   int
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// MaxPending bounds the traces waiting for a retry (default 4096).
	MaxPending int
	// IndexTTL is how long the access endpoints of a workspace are cached
	// for URL matching (default 10 s).
	IndexTTL time.Duration
	// MaxDecodedBytes bounds an export after decompression (default 64 MiB).
	MaxDecodedBytes int64
	// TaskTimeout bounds one link attempt (default 30 s).
	TaskTimeout time.Duration
	Logger      *slog.Logger
}

func (o *Options) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.QueueSize, 256)
	def(&o.Workers, 2)
	def(&o.MaxAttempts, 10)
	def(&o.MaxPending, 4096)
	defDur(&o.RetryDelay, 250*time.Millisecond)
	defDur(&o.MaxRetryDelay, 5*time.Second)
	defDur(&o.IndexTTL, 10*time.Second)
	defDur(&o.TaskTimeout, 30*time.Second)
	if o.QueueBytes <= 0 {
		o.QueueBytes = 64 << 20
	}
	if o.MaxDecodedBytes <= 0 {
		o.MaxDecodedBytes = 64 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// ParseMode reads --otlp-autolink: on or off.
func ParseMode(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1":
		return true, nil
	case "off", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("--otlp-autolink must be on or off, got %q", s)
}

// export is one accepted OTLP request waiting to be read.
type export struct {
	body                  []byte
	contentType, encoding string
	workspace             string
	parent                trace.SpanContext // the proxied request's span, linked from ours
}

// task is one trace's references, tried until linked or given up.
type task struct {
	workspace, traceID string
	refs               []ref
	attempt            int
	parent             trace.SpanContext
}

// Linker links the traces of OTLP exports that MLflow accepted to the MCP
// server versions their spans name. It implements the proxy's Tap: Wants and
// Done run on the request's goroutine and only enqueue; decoding, registry
// lookups and database writes happen on the Linker's own workers.
type Linker struct {
	opt    Options
	paths  [2]string
	svc    *tracking.Service
	reg    *mcpregistry.Registry
	idx    *endpointIndex
	m      *metrics
	tracer trace.Tracer

	exports     chan export
	queuedBytes atomic.Int64
	due         chan *task    // retries whose delay has passed
	pending     atomic.Int64  // tasks waiting for a retry
	work        tracker       // exports and tasks not yet finished
	closed      atomic.Bool   // no more exports accepted
	quit        chan struct{} // stops the workers
	base        context.Context
	cancel      context.CancelFunc
	workers     sync.WaitGroup
}

// New starts a Linker's workers. Stop them with Shutdown.
func New(svc *tracking.Service, reg *mcpregistry.Registry, opt Options) (*Linker, error) {
	opt.setDefaults()
	m, err := newMetrics()
	if err != nil {
		return nil, err
	}
	base, cancel := context.WithCancel(context.Background())
	l := &Linker{
		opt: opt, svc: svc, reg: reg, m: m, tracer: otel.Tracer(instrumentationName),
		idx:     &endpointIndex{reg: reg, ttl: opt.IndexTTL, now: time.Now, idx: map[string]*wsIndex{}},
		exports: make(chan export, opt.QueueSize),
		due:     make(chan *task, opt.MaxPending),
		quit:    make(chan struct{}),
		base:    base, cancel: cancel,
	}
	l.work.idle = make(chan struct{})
	prefix := strings.TrimSuffix(opt.StaticPrefix, "/")
	l.paths = [2]string{TracesPath, (&url.URL{Path: prefix}).EscapedPath() + TracesPath}
	for range opt.Workers {
		l.workers.Go(l.run)
	}
	return l, nil
}

// Wants selects POST /v1/traces (with or without the static prefix).
func (l *Linker) Wants(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.EscapedPath()
	return p == l.paths[0] || p == l.paths[1]
}

// Done enqueues an export MLflow accepted (2xx); it never blocks. The
// workspace is the request's X-MLFLOW-WORKSPACE header ("default" when
// absent); a trace whose experiment is elsewhere is not linked.
func (l *Linker) Done(ctx context.Context, r *http.Request, status int, body []byte) {
	if status < 200 || status > 299 {
		return // MLflow stored nothing
	}
	switch {
	case l.closed.Load():
		l.m.drop(ctx, DropShutdown)
		return
	case body == nil:
		l.m.drop(ctx, DropBodyUnavailable)
		return
	case len(body) == 0:
		return
	}
	n := int64(len(body))
	if l.queuedBytes.Add(n) > l.opt.QueueBytes {
		l.queuedBytes.Add(-n)
		l.m.drop(ctx, DropQueueFull)
		return
	}
	ws := strings.TrimSpace(r.Header.Get(scope.WorkspaceHeader))
	if ws == "" {
		ws = scope.DefaultWorkspace
	}
	e := export{body: body, contentType: r.Header.Get("Content-Type"), encoding: r.Header.Get("Content-Encoding"),
		workspace: ws, parent: trace.SpanContextFromContext(ctx)}
	l.work.add(1)
	select {
	case l.exports <- e:
	default:
		l.queuedBytes.Add(-n)
		l.work.add(-1)
		l.m.drop(ctx, DropQueueFull)
	}
}

// Flush waits until every accepted export has been linked or given up on,
// retries included, or until ctx ends.
func (l *Linker) Flush(ctx context.Context) error { return l.work.wait(ctx) }

// Shutdown stops accepting exports, lets the accepted ones finish until ctx
// ends, then stops the workers; what is left is counted as dropped. Later
// calls return at once.
func (l *Linker) Shutdown(ctx context.Context) error {
	if l.closed.Swap(true) {
		return nil
	}
	err := l.Flush(ctx)
	close(l.quit)
	l.cancel()
	l.workers.Wait()
	for range l.work.count() {
		l.m.drop(context.Background(), DropShutdown)
	}
	return err
}

func (l *Linker) run() {
	for {
		select {
		case <-l.quit:
			return
		case e := <-l.exports:
			l.queuedBytes.Add(-int64(len(e.body)))
			l.readExport(e)
			l.work.add(-1)
		case t := <-l.due:
			l.pending.Add(-1)
			l.link(t)
			l.work.add(-1)
		}
	}
}

// readExport decodes an export and links each of its traces.
func (l *Linker) readExport(e export) {
	spans, err := decodeExport(e.body, e.contentType, e.encoding, l.opt.MaxDecodedBytes)
	if err != nil {
		l.m.drop(l.base, DropUndecodable)
		l.opt.Logger.Warn("OTLP export accepted by MLflow but not readable for auto-linking", "err", err)
		return
	}
	for _, tr := range collectRefs(spans) {
		l.link(&task{workspace: e.workspace, traceID: tr.traceID, refs: tr.refs, attempt: 1, parent: e.parent})
	}
}

// tracker counts unfinished work and wakes waiters when it reaches zero.
type tracker struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed (and replaced) each time n drops to zero
}

func (t *tracker) add(d int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n += d
	if t.n == 0 {
		close(t.idle)
		t.idle = make(chan struct{})
	}
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("otlplink: auto-linking did not finish"), ctx.Err())
	}
}
