// Package sidecar assembles the sidecar's HTTP front: the public listener with
// its middleware chain around the route table, the admin listener (health,
// readiness, metrics) and graceful shutdown.
package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Config is what Run needs. Handler is the route table (proxy.Router); the
// middleware added here applies to every request, proxied or served.
type Config struct {
	Addr      string // public listener, e.g. 127.0.0.1:5001
	AdminAddr string // health, readiness and metrics, e.g. 127.0.0.1:9464

	Handler http.Handler
	Metrics http.Handler
	Checks  []Check
	Logger  *slog.Logger

	// Pprof serves /debug/pprof on the admin listener.
	Pprof bool

	// ShutdownTimeout bounds how long in-flight requests may drain after a
	// stop signal before their connections are closed.
	ShutdownTimeout time.Duration
	// Wrap, when set, adds middleware inside the common chain (request id,
	// tracing, logging, recovery) and outside the route table: the Host rule
	// and anything else that applies to every request.
	Wrap func(http.Handler) http.Handler
}

// Server is a running sidecar front.
type Server struct {
	cfg      Config
	draining atomic.Bool
	public   *http.Server
	admin    *http.Server
}

// New builds the servers; Run starts them.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg}
	s.public = &http.Server{
		Handler: s.publicHandler(),
		// Bodies of artifact uploads and downloads may stream for hours, so
		// there is no overall read or write timeout here; handlers of the
		// sidecar's own routes set their own write deadline.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.admin = &http.Server{
		Handler:           s.adminHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      90 * time.Second, // /debug/pprof/profile streams for 30 s by default
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// PublicHandler exposes the complete public handler chain (for in-process
// tests and benchmarks).
func (s *Server) PublicHandler() http.Handler { return s.public.Handler }

// AdminHandler exposes the admin handler (for tests).
func (s *Server) AdminHandler() http.Handler { return s.admin.Handler }

func (s *Server) publicHandler() http.Handler {
	h := s.cfg.Handler
	if s.cfg.Wrap != nil {
		h = s.cfg.Wrap(h)
	}
	h = withAccessLog(s.cfg.Logger, h)
	h = otelhttp.NewHandler(h, "mlflow-sidecar",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
	h = withRequestID(h)
	return withRecovery(s.cfg.Logger, h)
}

// Run listens on both addresses and serves until ctx is cancelled, then
// drains: readiness turns false at once, new connections are refused, and
// in-flight requests get ShutdownTimeout to finish.
func (s *Server) Run(ctx context.Context) error {
	pub, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	adm, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		pub.Close()
		return fmt.Errorf("listen on admin address %s: %w", s.cfg.AdminAddr, err)
	}
	return s.Serve(ctx, pub, adm)
}

// Serve is Run on listeners the caller opened (tests use port 0).
func (s *Server) Serve(ctx context.Context, pub, adm net.Listener) error {
	log := s.cfg.Logger
	errc := make(chan error, 2)
	go func() { errc <- serve(s.public, pub) }()
	go func() { errc <- serve(s.admin, adm) }()
	log.Info("sidecar listening", "addr", pub.Addr().String(), "admin_addr", adm.Addr().String())

	select {
	case err := <-errc:
		s.public.Close()
		s.admin.Close()
		return err
	case <-ctx.Done():
	}

	s.draining.Store(true)
	log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.public.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("shutdown timeout reached; closing remaining connections")
		s.public.Close()
		err = nil
	}
	_ = s.admin.Shutdown(sctx)
	return err
}

func serve(srv *http.Server, l net.Listener) error {
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
