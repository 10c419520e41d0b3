package otlplink

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const instrumentationName = "github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"

// Reasons of the dropped counter.
const (
	DropQueueFull         = "queue_full"         // the export queue was full (count or bytes)
	DropBodyUnavailable   = "body_unavailable"   // the proxy could not keep the body (over its tap limit, or cut short)
	DropUndecodable       = "undecodable"        // not OTLP protobuf or JSON, or over the decompressed size limit
	DropTraceNotFound     = "trace_not_found"    // the trace never appeared in MLflow's database
	DropWorkspaceMismatch = "workspace_mismatch" // the trace's experiment is in another workspace than the export named
	DropRefused           = "refused"            // the link was refused (e.g. the tag would exceed MLflow's limit)
	DropError             = "error"              // the database or registry kept failing
	DropShutdown          = "shutdown"           // the sidecar stopped first
)

// metrics are the auto-linker's counters, from the global MeterProvider (in
// /metrics as mlflow_sidecar_otlp_autolink_*_total).
type metrics struct {
	linked, unresolved, dropped, retried metric.Int64Counter
	dropAttrs                            sync.Map // reason → metric.AddOption
}

func newMetrics() (*metrics, error) {
	m := otel.Meter(instrumentationName)
	var errs [4]error
	out := &metrics{}
	out.linked, errs[0] = m.Int64Counter("mlflow_sidecar.otlp_autolink.linked",
		metric.WithDescription("Trace to MCP server version links made from OTLP exports (pairs already linked included)."))
	out.unresolved, errs[1] = m.Int64Counter("mlflow_sidecar.otlp_autolink.unresolved",
		metric.WithDescription("MCP server references in exported spans that matched no registered, non-deleted version, or several."))
	out.dropped, errs[2] = m.Int64Counter("mlflow_sidecar.otlp_autolink.dropped",
		metric.WithDescription("OTLP exports (queue_full, body_unavailable, undecodable, shutdown) or traces (the other reasons) "+
			"given up on, by reason."))
	out.retried, errs[3] = m.Int64Counter("mlflow_sidecar.otlp_autolink.retried",
		metric.WithDescription("Link attempts postponed because the trace was not in MLflow's database yet or a dependency failed."))
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m *metrics) drop(ctx context.Context, reason string) {
	opt, ok := m.dropAttrs.Load(reason)
	if !ok {
		opt, _ = m.dropAttrs.LoadOrStore(reason, metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", reason))))
	}
	m.dropped.Add(ctx, 1, opt.(metric.AddOption))
}
