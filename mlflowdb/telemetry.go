package mlflowdb

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"

// telemetry holds the instruments. They come from the global providers, whose
// delegates forward to whatever the telemetry package installs later, so Open
// may run before or after telemetry setup.
type telemetry struct {
	tracer     trace.Tracer
	stmtDur    metric.Float64Histogram
	txDur      metric.Float64Histogram
	system     attribute.KeyValue
	txSpanOpts map[txKind][]trace.SpanStartOption
	txAttrs    map[txKind]attribute.Set
}

type txKind string

const (
	txRead  txKind = "read"
	txWrite txKind = "write"
)

func newTelemetry(d Dialect) (*telemetry, error) {
	meter := otel.Meter(instrumentationName)
	stmtDur, err := meter.Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of one SQL statement, from send until its rows are closed."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	if err != nil {
		return nil, err
	}
	txDur, err := meter.Float64Histogram("mlflowdb.transaction.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of one Read or Write transaction, retries included."),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	if err != nil {
		return nil, err
	}
	t := &telemetry{
		tracer:     otel.Tracer(instrumentationName),
		stmtDur:    stmtDur,
		txDur:      txDur,
		system:     attribute.String("db.system", d.String()),
		txSpanOpts: map[txKind][]trace.SpanStartOption{},
		txAttrs:    map[txKind]attribute.Set{},
	}
	for _, k := range []txKind{txRead, txWrite} {
		kind := attribute.String("mlflowdb.transaction", string(k))
		t.txSpanOpts[k] = []trace.SpanStartOption{
			trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(t.system, kind),
		}
		t.txAttrs[k] = attribute.NewSet(t.system, kind)
	}
	return t, nil
}

// txParent makes statement spans children of their transaction's span. fn
// runs statements with the ctx its caller had, which does not carry the
// transaction span; such a ctx is re-parented, a ctx carrying a span fn
// started itself is left alone.
type txParent struct {
	span  trace.Span
	outer trace.SpanContext // the span current when the transaction began
}

func (p txParent) adopt(ctx context.Context) context.Context {
	if p.span != nil && trace.SpanContextFromContext(ctx).Equal(p.outer) {
		return trace.ContextWithSpan(ctx, p.span)
	}
	return ctx
}

// op is one statement in flight.
type op struct {
	t     *telemetry
	st    *stmt
	span  trace.Span
	start time.Time
}

func (t *telemetry) startStmt(ctx context.Context, st *stmt) (context.Context, op) {
	ctx, span := t.tracer.Start(ctx, st.summary, st.spanOpts...)
	return ctx, op{t: t, st: st, span: span, start: time.Now()}
}

func (o op) end(ctx context.Context, err error) {
	elapsed := time.Since(o.start).Seconds()
	if err != nil && !errors.Is(err, ErrNoRows) {
		o.span.RecordError(err)
		o.span.SetStatus(codes.Error, "")
		o.t.stmtDur.Record(ctx, elapsed, metric.WithAttributeSet(o.st.attrs),
			metric.WithAttributes(attribute.String("error.type", errorType(err))))
	} else {
		o.t.stmtDur.Record(ctx, elapsed, metric.WithAttributeSet(o.st.attrs))
	}
	o.span.End()
}

func (t *telemetry) startTx(ctx context.Context, kind txKind) (context.Context, trace.Span, time.Time) {
	ctx, span := t.tracer.Start(ctx, "mlflowdb."+string(kind), t.txSpanOpts[kind]...)
	return ctx, span, time.Now()
}

func (t *telemetry) endTx(ctx context.Context, kind txKind, span trace.Span, start time.Time, attempts int, err error) {
	span.SetAttributes(attribute.Int("mlflowdb.attempts", attempts))
	opts := []metric.RecordOption{metric.WithAttributeSet(t.txAttrs[kind])}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
		opts = append(opts, metric.WithAttributes(attribute.String("error.type", errorType(err))))
	}
	t.txDur.Record(ctx, time.Since(start).Seconds(), opts...)
	span.End()
}

// errorType is a low-cardinality label: the SQLSTATE or SQLite code when
// there is one, "unavailable" for connection failures, else "other".
func errorType(err error) string {
	if code, ok := pgCode(err); ok {
		return code
	}
	if code, ok := sqliteCode(err); ok {
		return sqliteCodeName(code)
	}
	if isConnectionFailure(err) {
		return "unavailable"
	}
	return "other"
}
