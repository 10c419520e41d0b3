package sidecar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/felixge/httpsnoop"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// RequestIDHeader carries the request id to clients, logs and MLflow.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the id the sidecar assigned to the request in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID keeps a caller's well-formed X-Request-Id (so a request can be
// followed across an ingress, the sidecar and MLflow) and invents one otherwise.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
			r.Header.Set(RequestIDHeader, id)
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withAccessLog writes one structured line per request. Only the path is
// logged, never the query string or headers: either may carry credentials.
// httpsnoop keeps Flusher/Hijacker/ReaderFrom working for streamed responses.
func withAccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m := httpsnoop.CaptureMetricsFn(w, func(w http.ResponseWriter) { next.ServeHTTP(w, r) })
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.EscapedPath()),
			slog.Int("status", m.Code),
			slog.Int64("bytes", m.Written),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// withRecovery turns a panic in a handler into a 500 MLflow error (when no
// response has started) and a log line with the stack. The stack never goes to
// the client.
func withRecovery(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		written := false
		ww := httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(f httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(code int) { written = true; f(code) }
			},
			Write: func(f httpsnoop.WriteFunc) httpsnoop.WriteFunc {
				return func(b []byte) (int, error) { written = true; return f(b) }
			},
		})
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler { // deliberate abort of a streamed response
				panic(rec)
			}
			log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.EscapedPath()),
				slog.Any("panic", rec),
				slog.String("stack", string(debug.Stack())),
			)
			if !written {
				mlflowerr.WriteCode(w, http.StatusInternalServerError, "INTERNAL_ERROR",
					"Internal error. See the sidecar's log for details.")
			}
		}()
		next.ServeHTTP(ww, r)
	})
}
