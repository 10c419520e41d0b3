package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/guard"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
)

// TestOfficialAuthMode: the official API issues anonymous tokens exactly
// while the sidecar authenticates nobody, following --auth=auto as MLflow
// changes its mind.
func TestOfficialAuthMode(t *testing.T) {
	var answer atomic.Int32 // what the stand-in for MLflow answers its probe
	mlflow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// An open MLflow's answer is JSON; guard takes no other 200 for "open".
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(answer.Load()))
		_, _ = w.Write([]byte("{}"))
	}))
	defer mlflow.Close()
	auto, err := guard.NewAuto(guard.UpstreamConfig{URL: mlflow.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	autoMode := officialAuthMode(auto)
	for _, c := range []struct {
		name string
		auth sidecar.Authenticator
		want officialapi.AuthMode
	}{
		{"none (nil)", nil, officialapi.AuthOff},
		{"none", guard.None{}, officialapi.AuthOff},
		{"mlflow", mlflowAuth(t, mlflow.URL), officialapi.AuthOn},
	} {
		if got := officialAuthMode(c.auth)(); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	for _, step := range []struct {
		probe int32 // 0: not probed yet
		want  officialapi.AuthMode
	}{
		{0, officialapi.AuthUnknown},
		{http.StatusOK, officialapi.AuthOff},
		{http.StatusUnauthorized, officialapi.AuthOn},
		{http.StatusOK, officialapi.AuthOff},
	} {
		if step.probe != 0 {
			answer.Store(step.probe)
			auto.Probe(context.Background())
		}
		if got := autoMode(); got != step.want {
			t.Fatalf("auto after MLflow answered %d: %v, want %v", step.probe, got, step.want)
		}
	}
}

// TestServeMountsOfficialAPI: serve's route table answers the official API
// at the root and under --static-prefix, with the token routes outside
// authentication and everything else inside it.
func TestServeMountsOfficialAPI(t *testing.T) {
	mlflow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // MLflow refuses every credential
	}))
	defer mlflow.Close()
	db := dbtest.Migrated(t, dbtest.SQLite(t))
	c := &serveConfig{staticPrefix: "/mlflow", upstream: mlflow.URL, maxRequestBytes: 1 << 20, otlpAutolink: "off"}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	serve := func(auth sidecar.Authenticator) *httptest.Server {
		h, cleanup, err := c.routes(ctx, db, auth, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cleanup)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	call := func(srv *httptest.Server, method, path, token string, body string) (int, []byte) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	open := serve(nil)
	status, body := call(open, http.MethodPost, "/mlflow/v0/auth/none", "", "")
	var tok officialapi.TokenResponse
	if status != 200 || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("login: %d %s", status, body)
	}
	doc := `{"name":"io.t/served","version":"1.0.0","description":"d"}`
	if status, body := call(open, http.MethodPost, "/v0.1/publish", tok.RegistryToken, doc); status != 200 {
		t.Fatalf("publish: %d %s", status, body)
	}
	for _, p := range []string{"/v0.1/servers", "/v0/servers", "/mlflow/v0.1/servers", "/mlflow/v0/servers"} {
		var list officialapi.ServerListResponse
		if status, body := call(open, http.MethodGet, p, "", ""); status != 200 || json.Unmarshal(body, &list) != nil || len(list.Servers) != 1 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
	}

	locked := serve(mlflowAuth(t, mlflow.URL))
	if status, body := call(locked, http.MethodPost, "/v0/auth/none", "", ""); status != http.StatusForbidden {
		t.Fatalf("login with authentication on: %d %s", status, body)
	}
	if status, body := call(locked, http.MethodGet, "/v0.1/servers", tok.RegistryToken, ""); status != http.StatusUnauthorized {
		t.Fatalf("read with a refused credential: %d %s", status, body)
	}
}

func mlflowAuth(t *testing.T, url string) sidecar.Authenticator {
	t.Helper()
	a, err := guard.NewMLflow(guard.UpstreamConfig{URL: url, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
