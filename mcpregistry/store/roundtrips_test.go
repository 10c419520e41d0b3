package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// TestReadRoundTrips pins how many statements and transactions each read
// costs, read from mlflowdb's spans: every read of the service is answered
// without a transaction, from one statement or from a probe plus a search
// whose rows prove the probe still holds (see autocommit.go); an empty page
// after a probe is the one case that falls back to a snapshot transaction.
func TestReadRoundTrips(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		spans := tracetest.NewSpanRecorder()
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))) // before Open: mlflowdb takes its tracer there
		t.Cleanup(func() { otel.SetTracerProvider(prev) })
		e := newEnv(t, uri)
		const name = "io.acme/trips"
		e.mustRegister(name, "1.0.0", "active")
		e.must(e.reg.SetAlias(e.ctx, e.alice, name, "prod", "1.0.0"))
		ep := e.endpoint(name, nil, ptr("prod"))

		for _, c := range []struct {
			name       string
			call       func() error
			statements int
			txs        int
		}{
			{"get server", func() error { return second(e.reg.GetServer(e.ctx, e.alice, name)) }, 1, 0},
			{"get version", func() error { return second(e.reg.GetVersion(e.ctx, e.alice, name, "1.0.0")) }, 1, 0},
			{"resolve latest", func() error { return second(e.reg.GetVersionByAlias(e.ctx, e.alice, name, "latest")) }, 1, 0},
			{"resolve alias", func() error { return second(e.reg.GetVersionByAlias(e.ctx, e.alice, name, "prod")) }, 1, 0},
			{"get endpoint", func() error { return second(e.reg.GetEndpoint(e.ctx, e.alice, name, ep.ID)) }, 1, 0},
			{"search servers", func() error { return second(e.reg.SearchServers(e.ctx, e.alice, mcpregistry.SearchRequest{})) }, 1, 0},
			{"search versions", func() error {
				return second(e.reg.SearchVersions(e.ctx, e.alice, name, mcpregistry.SearchRequest{}))
			}, 2, 0},
			{"search versions, empty page", func() error {
				return second(e.reg.SearchVersions(e.ctx, e.alice, name, mcpregistry.SearchRequest{Filter: "status = 'draft'"}))
			}, 4, 1},
			{"search a server's endpoints", func() error {
				return second(e.reg.SearchEndpoints(e.ctx, e.alice, ptr(name), mcpregistry.EndpointSearchRequest{}))
			}, 2, 0},
			{"missing server", func() error { _, _ = e.reg.GetVersionByAlias(e.ctx, e.alice, "io.acme/none", "latest"); return nil }, 1, 0},
		} {
			spans.Reset()
			if err := c.call(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			statements, txs := 0, 0
			var names []string
			for _, s := range spans.Ended() {
				names = append(names, s.Name())
				if strings.HasPrefix(s.Name(), "mlflowdb.") {
					txs++
				} else {
					statements++
				}
			}
			if statements != c.statements || txs != c.txs {
				t.Errorf("%s: %d statements and %d transactions %v, want %d and %d", c.name, statements, txs, names, c.statements, c.txs)
			}
		}
	})
}

// onStart runs a function when a span starts: here, when mlflowdb is about
// to send a statement, which lets a test commit a write between two
// statements of one read.
type onStart struct{ fn func(name string) }

func (h onStart) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) { h.fn(s.Name()) }
func (onStart) OnEnd(sdktrace.ReadOnlySpan)                           {}
func (onStart) Shutdown(context.Context) error                        { return nil }
func (onStart) ForceFlush(context.Context) error                      { return nil }

// TestAutocommitSearchAfterDelete: a server deleted between the probe and
// the search of a version search leaves the search an empty page, which
// proves nothing; the read is redone in a snapshot and answers 404, as a
// read at one instant must.
func TestAutocommitSearchAfterDelete(t *testing.T) {
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		var armed atomic.Bool
		var e *env
		var hookErr error
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(onStart{func(name string) {
			if name == "SELECT page" && armed.CompareAndSwap(true, false) {
				hookErr = e.reg.DeleteServer(e.ctx, e.alice, "io.acme/doomed")
			}
		}})))
		t.Cleanup(func() { otel.SetTracerProvider(prev) })
		e = newEnv(t, uri)
		e.mustRegister("io.acme/doomed", "1.0.0", "")
		armed.Store(true)
		_, err := e.reg.SearchVersions(e.ctx, e.alice, "io.acme/doomed", mcpregistry.SearchRequest{})
		e.must(hookErr)
		if armed.Load() {
			t.Fatal("the search statement never started")
		}
		wantErr(t, err, mlflowerr.ErrNotFound, "MCP server 'io.acme/doomed' not found")
	})
}
