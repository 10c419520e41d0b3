package guard

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const instrumentationName = "github.com/mlflow-sidecar/mlflow-sidecar/guard"

// Decision outcomes, the "outcome" attribute of the decision counter.
const (
	outcomeAllowed         = "allowed"
	outcomeUnauthenticated = "unauthenticated"
	outcomeForbidden       = "forbidden"
	outcomeUnavailable     = "unavailable"
)

var outcomes = []string{outcomeAllowed, outcomeUnauthenticated, outcomeForbidden, outcomeUnavailable}

// Verification results, the "result" attribute of the verification
// histogram (what MLflow said, or "error" when it said nothing usable).
var verifyResults = []string{"accepted", "rejected", "forbidden", "error"}

// metrics counts authentication decisions and credential-cache lookups, and
// times the calls that ask MLflow. Attribute sets are built once: the
// counters sit on every request of the own routes.
type metrics struct {
	decisions metric.Int64Counter
	lookups   metric.Int64Counter
	verify    metric.Float64Histogram

	byOutcome map[decisionKey][]metric.AddOption
	hit, miss []metric.AddOption
	byResult  map[string][]metric.RecordOption
}

type decisionKey struct {
	mode    Mode
	outcome string
}

func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(instrumentationName)
	decisions, err := m.Int64Counter("mlflow_sidecar.auth.decisions",
		metric.WithDescription("Authentication decisions on the sidecar's own routes, by mode and outcome."))
	if err != nil {
		return nil, fmt.Errorf("guard metrics: %w", err)
	}
	lookups, err := m.Int64Counter("mlflow_sidecar.auth.cache_lookups",
		metric.WithDescription("Lookups of verified credentials in the sidecar's cache, by result (hit or miss)."))
	if err != nil {
		return nil, fmt.Errorf("guard metrics: %w", err)
	}
	verify, err := m.Float64Histogram("mlflow_sidecar.auth.verification.duration", metric.WithUnit("s"),
		metric.WithDescription("Time taken to ask MLflow whether credentials are valid, by result."))
	if err != nil {
		return nil, fmt.Errorf("guard metrics: %w", err)
	}
	met := &metrics{
		decisions: decisions, lookups: lookups, verify: verify,
		byOutcome: map[decisionKey][]metric.AddOption{},
		byResult:  map[string][]metric.RecordOption{},
		hit:       []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("result", "hit")))},
		miss:      []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("result", "miss")))},
	}
	for _, mode := range []Mode{ModeMLflow, ModeHeader, ModeAuto} {
		for _, o := range outcomes {
			met.byOutcome[decisionKey{mode, o}] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
				attribute.String("mode", string(mode)), attribute.String("outcome", o)))}
		}
	}
	for _, r := range verifyResults {
		met.byResult[r] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("result", r)))}
	}
	return met, nil
}

func (m *metrics) decision(ctx context.Context, mode Mode, outcome string) {
	m.decisions.Add(ctx, 1, m.byOutcome[decisionKey{mode, outcome}]...)
}

func (m *metrics) cache(ctx context.Context, hit bool) {
	if hit {
		m.lookups.Add(ctx, 1, m.hit...)
		return
	}
	m.lookups.Add(ctx, 1, m.miss...)
}

func (m *metrics) verified(ctx context.Context, result string, took time.Duration) {
	m.verify.Record(ctx, took.Seconds(), m.byResult[result]...)
}
