// Package telemetry sets up the sidecar's OpenTelemetry providers and its
// structured logger.
//
// Traces are exported over OTLP/HTTP only when the standard OTEL_* variables
// ask for it (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
// OTEL_TRACES_EXPORTER=otlp) and OTEL_SDK_DISABLED is not true; otherwise the
// global tracer stays a no-op, which still propagates an incoming W3C trace
// context to MLflow. Metrics always go to a Prometheus registry served on the
// admin listener's /metrics.
package telemetry

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Providers are the installed telemetry pipelines.
type Providers struct {
	// Metrics serves the Prometheus text exposition of every metric.
	Metrics http.Handler
	// TracesExported tells whether spans leave the process (for the start-up log).
	TracesExported bool
	shutdown       []func(context.Context) error
}

// Shutdown flushes and stops the exporters.
func (p *Providers) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range p.shutdown {
		errs = append(errs, f(ctx))
	}
	return errors.Join(errs...)
}

// Setup installs global tracer and meter providers and the W3C propagator.
func Setup(ctx context.Context, serviceName, version string) (*Providers, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}))

	res, err := resource.New(ctx,
		resource.WithFromEnv(), // OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithAttributes(semconv.ServiceName(serviceName), semconv.ServiceVersion(version)),
	)
	if err != nil && res == nil {
		return nil, err
	}
	if envServiceName := os.Getenv("OTEL_SERVICE_NAME"); envServiceName != "" {
		// WithAttributes above wins over WithFromEnv; the operator's explicit
		// name must win over our default.
		res, _ = resource.Merge(res, resource.NewSchemaless(semconv.ServiceName(envServiceName)))
	}

	p := &Providers{}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithResource(res))
	otel.SetMeterProvider(mp)
	p.shutdown = append(p.shutdown, mp.Shutdown)
	p.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})

	if tracesRequested() {
		exp, err := otlptracehttp.New(ctx) // endpoint, headers, TLS from OTEL_EXPORTER_OTLP_*
		if err != nil {
			return nil, err
		}
		// The SDK reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* itself.
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		otel.SetTracerProvider(tp)
		p.shutdown = append(p.shutdown, tp.Shutdown)
		p.TracesExported = true
	}
	return p, nil
}

func tracesRequested() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch strings.ToLower(os.Getenv("OTEL_TRACES_EXPORTER")) {
	case "none":
		return false
	case "otlp":
		return true
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}
