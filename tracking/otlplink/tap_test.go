package otlplink_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"
)

func TestWants(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t), otlplink.Options{})
	prefixed, err := otlplink.New(e.svc, e.reg, otlplink.Options{StaticPrefix: "/my ml"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prefixed.Shutdown(context.Background()) })
	tests := []struct {
		method, path   string
		plain, withPfx bool
	}{
		{"POST", "/v1/traces", true, true},
		{"POST", "/my%20ml/v1/traces", false, true},
		{"GET", "/v1/traces", false, false},
		{"POST", "/v1/traces/", false, false},
		{"POST", "/v1/metrics", false, false},
		{"POST", "/api/2.0/mlflow/traces", false, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if got := e.linker.Wants(r); got != tt.plain {
			t.Errorf("Wants(%s %s) = %v", tt.method, tt.path, got)
		}
		if got := prefixed.Wants(r); got != tt.withPfx {
			t.Errorf("with prefix: Wants(%s %s) = %v", tt.method, tt.path, got)
		}
	}
}

func TestDoneDrops(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t), otlplink.Options{})
	small, err := otlplink.New(e.svc, e.reg, otlplink.Options{QueueBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = small.Shutdown(context.Background()) })
	req := func(ct string) *http.Request {
		r := httptest.NewRequest("POST", "/v1/traces", nil)
		r.Header.Set("Content-Type", ct)
		return r
	}
	tests := []struct {
		name   string
		linker *otlplink.Linker
		r      *http.Request
		status int
		body   []byte
		reason string // "" : nothing dropped
	}{
		{"rejected by MLflow", e.linker, req("application/x-protobuf"), 400, []byte("x"), ""},
		{"empty export", e.linker, req("application/x-protobuf"), 200, []byte{}, ""},
		{"body not kept by the proxy", e.linker, req("application/x-protobuf"), 200, nil, otlplink.DropBodyUnavailable},
		{"not OTLP", e.linker, req("text/plain"), 200, []byte("hello"), otlplink.DropUndecodable},
		{"broken protobuf", e.linker, req("application/x-protobuf"), 200, []byte("\xff\xff"), otlplink.DropUndecodable},
		{"over the queue's bytes", small, req("application/x-protobuf"), 200, []byte(strings.Repeat("x", 9)), otlplink.DropQueueFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counter(t, mDropped, "")
			beforeReason := counter(t, mDropped, tt.reason)
			tt.linker.Done(context.Background(), tt.r, tt.status, tt.body)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := tt.linker.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if tt.reason != "" {
				want = 1
				if got := counter(t, mDropped, tt.reason) - beforeReason; got != 1 {
					t.Fatalf("%s drops: %d", tt.reason, got)
				}
			}
			if got := counter(t, mDropped, "") - before; got != want {
				t.Fatalf("drops: %d, want %d", got, want)
			}
		})
	}
	// After Shutdown, exports are counted and not read.
	if err := small.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := counter(t, mDropped, otlplink.DropShutdown)
	small.Done(context.Background(), req("application/x-protobuf"), 200, []byte("x"))
	if got := counter(t, mDropped, otlplink.DropShutdown) - before; got != 1 {
		t.Fatalf("shutdown drops: %d", got)
	}
}
