package otlplink

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// link makes one attempt at a trace: resolve its references now, then link
// the versions found. It retries later when the trace is not in MLflow's
// database yet (MLflow may store it after answering), when a version went
// away between resolving and linking, or when a dependency failed.
func (l *Linker) link(t *task) {
	ctx, cancel := context.WithTimeout(l.base, l.opt.TaskTimeout)
	defer cancel()
	opts := []trace.SpanStartOption{trace.WithAttributes(
		tracking.AttrTraceID.String(t.traceID), tracking.AttrWorkspace.String(t.workspace),
		attribute.Int("mlflow_sidecar.autolink.attempt", t.attempt))}
	if t.parent.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: t.parent}))
	}
	ctx, span := l.tracer.Start(ctx, "tracking.autolink", opts...)
	defer span.End()

	res, err := l.resolve(ctx, t.workspace, t.refs)
	if err == nil && len(res.versions) > 0 {
		names := make([]string, len(res.versions))
		versions := make([]string, len(res.versions))
		for i, v := range res.versions {
			names[i], versions[i] = v.Name, v.Version
		}
		span.SetAttributes(tracking.AttrServerNames.StringSlice(names), tracking.AttrServerVersion.StringSlice(versions))
		err = l.svc.Link(ctx, t.workspace, t.traceID, res.versions)
	}
	outcome := "linked"
	switch {
	case err == nil:
		l.m.linked.Add(ctx, int64(len(res.versions)))
		l.m.unresolved.Add(ctx, int64(res.unresolved))
		if len(res.versions) == 0 {
			outcome = "unresolved"
		}
	case errors.Is(err, tracking.ErrTraceInOtherWorkspace):
		outcome = DropWorkspaceMismatch
		l.m.drop(ctx, outcome)
	case errors.Is(err, tracking.ErrTraceNotFound):
		outcome = l.retry(ctx, t, DropTraceNotFound)
	case errors.Is(err, tracking.ErrVersionNotFound):
		outcome = l.retry(ctx, t, DropError) // deleted since it was resolved: resolve again
	case errors.Is(err, mlflowerr.ErrInvalid):
		outcome = DropRefused
		l.m.drop(ctx, outcome)
		l.opt.Logger.Warn("auto-link refused", "trace_id", t.traceID, "workspace", t.workspace, "err", err)
	default:
		outcome = l.retry(ctx, t, DropError)
		if outcome == DropError {
			l.opt.Logger.Error("auto-link failed", "trace_id", t.traceID, "workspace", t.workspace, "err", err)
		}
	}
	span.SetAttributes(attribute.String("mlflow_sidecar.autolink.outcome", outcome))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome)
	}
}

// retry schedules the next attempt, or gives up with reason after the last
// one or when too many traces are already waiting. It returns the outcome.
func (l *Linker) retry(ctx context.Context, t *task, reason string) string {
	if t.attempt >= l.opt.MaxAttempts {
		l.m.drop(ctx, reason)
		return reason
	}
	if l.pending.Add(1) > int64(l.opt.MaxPending) {
		l.pending.Add(-1)
		l.m.drop(ctx, reason)
		return reason
	}
	l.m.retried.Add(ctx, 1)
	next := *t
	next.attempt++
	l.work.add(1)
	time.AfterFunc(l.delay(t.attempt), func() { l.due <- &next }) // never blocks: due holds MaxPending
	return "retry"
}

// delay before attempt n+1: RetryDelay doubling, capped at MaxRetryDelay.
func (l *Linker) delay(n int) time.Duration {
	d := l.opt.RetryDelay
	for i := 1; i < n && d < l.opt.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, l.opt.MaxRetryDelay)
}
