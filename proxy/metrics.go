package proxy

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const meterName = "github.com/mlflow-sidecar/mlflow-sidecar/proxy"

// metrics counts proxied responses by status class and upstream failures by
// kind. Attribute sets are built once: the counters sit on the hot path.
type metrics struct {
	responses metric.Int64Counter
	failures  metric.Int64Counter
	// Option slices rather than options: a variadic call with a fresh
	// slice would allocate on every request.
	byClass [6][]metric.AddOption // index: status / 100
	byKind  map[string][]metric.AddOption
}

func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(meterName)
	responses, err := m.Int64Counter("mlflow_sidecar.proxy.responses",
		metric.WithDescription("Responses to requests forwarded to MLflow, by status class (5xx includes the sidecar's own 502/504)."))
	if err != nil {
		return nil, fmt.Errorf("proxy metrics: %w", err)
	}
	failures, err := m.Int64Counter("mlflow_sidecar.proxy.upstream_failures",
		metric.WithDescription("Requests for which MLflow gave no response, by kind."))
	if err != nil {
		return nil, fmt.Errorf("proxy metrics: %w", err)
	}
	met := &metrics{responses: responses, failures: failures, byKind: map[string][]metric.AddOption{}}
	for i := range met.byClass {
		met.byClass[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("status_class", fmt.Sprintf("%dxx", i))))}
	}
	for _, f := range failureKinds {
		met.byKind[f.kind] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", f.kind)))}
	}
	return met, nil
}

func (m *metrics) response(ctx context.Context, status int) {
	class := status / 100
	if class < 0 || class >= len(m.byClass) {
		class = 0
	}
	m.responses.Add(ctx, 1, m.byClass[class]...)
}

func (m *metrics) upstreamError(ctx context.Context, f failure) {
	m.failures.Add(ctx, 1, m.byKind[f.kind]...)
}
