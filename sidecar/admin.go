package sidecar

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"
)

// Check is one readiness probe. Required checks decide /readyz's status;
// the others (e.g. upstream reachability) are reported but do not fail it,
// because the sidecar's own routes work while MLflow is down.
type Check struct {
	Name     string
	Required bool
	Run      func(ctx context.Context) error
}

type checkResult struct {
	OK       bool   `json:"ok"`
	Required bool   `json:"required"`
	Error    string `json:"error,omitempty"`
}

type readiness struct {
	Status string                 `json:"status"`
	Checks map[string]checkResult `json:"checks"`
}

func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.serveReadyz)
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	if s.cfg.Pprof {
		// Opt-in, and on the admin listener only: profiles reveal the
		// command line and cost CPU, and the admin address is often
		// reachable from a whole pod network.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()

	res := readiness{Status: "ready", Checks: make(map[string]checkResult, len(s.cfg.Checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.cfg.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr := checkResult{OK: true, Required: c.Required}
			if err := c.Run(ctx); err != nil {
				cr = checkResult{OK: false, Required: c.Required, Error: err.Error()}
			}
			mu.Lock()
			res.Checks[c.Name] = cr
			mu.Unlock()
		}()
	}
	wg.Wait()

	status := http.StatusOK
	if s.draining.Load() {
		res.Status, status = "draining", http.StatusServiceUnavailable
	} else {
		for _, cr := range res.Checks {
			if cr.Required && !cr.OK {
				res.Status, status = "not ready", http.StatusServiceUnavailable
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(res)
}
