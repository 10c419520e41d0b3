package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/guard"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/httpapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
	"github.com/mlflow-sidecar/mlflow-sidecar/sidecar"
	"github.com/mlflow-sidecar/mlflow-sidecar/telemetry"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking/otlplink"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

type serveConfig struct {
	backendStoreURI      string
	upstream             string
	host                 string
	port                 int
	adminAddr            string
	staticPrefix         string
	enableWorkspaces     bool
	migrate              string
	shutdownTimeout      time.Duration
	upstreamTimeout      time.Duration
	trustForwarded       bool
	maxRequestBytes      int64
	serverJSONValidation string
	dbMaxConns           int
	logLevel             string
	logFormat            string
	auth                 string
	authCacheTTL         time.Duration
	trustedHeader        string
	trustedCIDRs         []string
	allowedHosts         []string
	corsOrigins          []string
	otlpAutolink         string
	pprof                bool

	hosts *guard.HostRule // built once by hostRule
}

func newServeCmd() *cobra.Command {
	c := &serveConfig{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the MCP registry and proxy everything else to MLflow (the default command)",
		Args:  cobra.NoArgs,
	}
	fs := cmd.Flags()
	e := newEnvFlags(fs)
	fs.StringVar(&c.backendStoreURI, "backend-store-uri", "sqlite:///mlflow.db",
		"MLflow's backend store: postgresql://... (any +driver suffix) or sqlite:///relative.db, sqlite:////absolute.db")
	e.env("backend-store-uri", "MLFLOW_BACKEND_STORE_URI")
	fs.StringVar(&c.upstream, "upstream", "http://127.0.0.1:5000", "URL of the MLflow server to proxy to")
	e.env("upstream", "MLFLOW_SIDECAR_UPSTREAM")
	fs.StringVar(&c.host, "host", "127.0.0.1", "address to listen on")
	e.env("host", "MLFLOW_SIDECAR_HOST")
	fs.IntVar(&c.port, "port", 5001, "port to listen on")
	e.env("port", "MLFLOW_SIDECAR_PORT")
	fs.StringVar(&c.adminAddr, "admin-addr", "127.0.0.1:9464", "address of /healthz, /readyz and /metrics")
	e.env("admin-addr", "MLFLOW_SIDECAR_ADMIN_ADDR")
	fs.StringVar(&c.staticPrefix, "static-prefix", "", "MLflow's --static-prefix: a path prefix such as /mlflow (start with /, no trailing /)")
	e.env("static-prefix", "MLFLOW_STATIC_PREFIX")
	fs.BoolVar(&c.enableWorkspaces, "enable-workspaces", false, "MLflow's --enable-workspaces: honour the X-MLFLOW-WORKSPACE header")
	e.env("enable-workspaces", "MLFLOW_ENABLE_WORKSPACES")
	fs.StringVar(&c.migrate, "migrate", "auto", "apply the sidecar's pending schema migrations at start (auto) or refuse to start with pending ones (off)")
	e.env("migrate", "MLFLOW_SIDECAR_MIGRATE")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may drain on SIGTERM/SIGINT")
	e.env("shutdown-timeout", "MLFLOW_SIDECAR_SHUTDOWN_TIMEOUT")
	fs.DurationVar(&c.upstreamTimeout, "upstream-timeout", 0, "longest wait for MLflow's response headers, then 504 (0: no limit)")
	e.env("upstream-timeout", "MLFLOW_SIDECAR_UPSTREAM_TIMEOUT")
	fs.BoolVar(&c.trustForwarded, "trust-forwarded-headers", false, "keep clients' X-Forwarded-Host/-Proto (only behind a proxy that sets them)")
	e.env("trust-forwarded-headers", "MLFLOW_SIDECAR_TRUST_FORWARDED_HEADERS")
	fs.Int64Var(&c.maxRequestBytes, "max-request-bytes", 16<<20, "largest request body the sidecar's own routes accept")
	e.env("max-request-bytes", "MLFLOW_SIDECAR_MAX_REQUEST_BYTES")
	fs.StringVar(&c.serverJSONValidation, "server-json-validation", "default",
		"default: MLflow's rules plus the official schema a document declares; strict: also hold documents without $schema to the newest official schema")
	e.env("server-json-validation", "MLFLOW_SIDECAR_SERVER_JSON_VALIDATION")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 0, "database connection pool size (0: a default for the dialect)")
	e.env("db-max-conns", "MLFLOW_SIDECAR_DB_MAX_CONNS")
	fs.StringVar(&c.auth, "auth", "auto",
		"who may use the sidecar's own routes: auto (follow MLflow: mlflow when it demands credentials, else none), mlflow, header or none")
	e.env("auth", "MLFLOW_SIDECAR_AUTH")
	fs.DurationVar(&c.authCacheTTL, "auth-cache-ttl", 30*time.Second, "how long MLflow's acceptance of credentials is trusted (max 5m; 0: ask every time)")
	e.env("auth-cache-ttl", "MLFLOW_SIDECAR_AUTH_CACHE_TTL")
	fs.StringVar(&c.trustedHeader, "trusted-user-header", "", "--auth=header: the header naming the user, e.g. X-Forwarded-User")
	e.env("trusted-user-header", "MLFLOW_SIDECAR_TRUSTED_USER_HEADER")
	fs.StringSliceVar(&c.trustedCIDRs, "trusted-proxy-cidrs", nil, "--auth=header: addresses of the authenticating proxy (comma-separated CIDRs)")
	e.env("trusted-proxy-cidrs", "MLFLOW_SIDECAR_TRUSTED_PROXY_CIDRS")
	fs.StringSliceVar(&c.allowedHosts, "allowed-hosts", nil, "accepted Host headers, MLflow's rule (default: "+guard.DefaultAllowedHostsHelp+")")
	e.env("allowed-hosts", "MLFLOW_SERVER_ALLOWED_HOSTS")
	fs.StringSliceVar(&c.corsOrigins, "cors-allowed-origins", nil, "foreign origins allowed to write to the sidecar's own routes")
	e.env("cors-allowed-origins", "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS")
	fs.StringVar(&c.otlpAutolink, "otlp-autolink", "on",
		"on: link traces to MCP server versions from OTLP exports MLflow accepted (POST /v1/traces); off: forward them only")
	e.env("otlp-autolink", "MLFLOW_SIDECAR_OTLP_AUTOLINK")
	fs.BoolVar(&c.pprof, "enable-pprof", false, "serve Go profiles at /debug/pprof on the admin listener")
	e.env("enable-pprof", "MLFLOW_SIDECAR_ENABLE_PPROF")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	e.env("log-level", "MLFLOW_SIDECAR_LOG_LEVEL")
	fs.StringVar(&c.logFormat, "log-format", "json", "json or text")
	e.env("log-format", "MLFLOW_SIDECAR_LOG_FORMAT")
	cmd.PreRunE = preRun(e)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return c.run(cmd.Context()) }
	return cmd
}

func (c *serveConfig) validate() error {
	if c.staticPrefix != "" && (!strings.HasPrefix(c.staticPrefix, "/") || strings.HasSuffix(c.staticPrefix, "/")) {
		return usageError{fmt.Errorf("--static-prefix %q must start with '/' and must not end with '/'", c.staticPrefix)}
	}
	if c.migrate != "auto" && c.migrate != "off" {
		return usageError{fmt.Errorf("--migrate must be auto or off, got %q", c.migrate)}
	}
	if c.serverJSONValidation != "default" && c.serverJSONValidation != "strict" {
		return usageError{fmt.Errorf("--server-json-validation must be default or strict, got %q", c.serverJSONValidation)}
	}
	if c.maxRequestBytes <= 0 {
		return usageError{fmt.Errorf("--max-request-bytes must be positive")}
	}
	if c.port < 0 || c.port > 65535 {
		return usageError{fmt.Errorf("--port %d is out of range", c.port)}
	}
	return nil
}

func (c *serveConfig) run(ctx context.Context) error {
	if err := c.validate(); err != nil {
		return err
	}
	// Log lines are written by a goroutine, off the request path: the access
	// log's write system call otherwise delayed every response.
	logOut := telemetry.NewAsyncWriter(os.Stderr, 4096)
	defer logOut.Close()
	log, err := telemetry.NewLogger(logOut, c.logFormat, c.logLevel)
	if err != nil {
		return usageError{err}
	}
	slog.SetDefault(log)
	uri, err := mlflowdb.ParseURI(c.backendStoreURI)
	if err != nil {
		return usageError{err}
	}
	tel, err := telemetry.Setup(ctx, "mlflow-sidecar", version)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	defer shutdownTelemetry(tel, log)

	if err := c.prepareSchema(ctx, uri, log); err != nil {
		return err
	}
	db, err := mlflowdb.Open(ctx, uri, mlflowdb.Options{MaxConns: int32(c.dbMaxConns)})
	if err != nil {
		return fmt.Errorf("open %s: %w", uri.Redacted(), err)
	}
	defer db.Close()

	auth, authChecks, err := c.authenticator(ctx, log)
	if err != nil {
		return err
	}
	handler, cleanup, err := c.routes(ctx, db, auth, log)
	if err != nil {
		return err
	}
	defer cleanup()

	srv := sidecar.New(sidecar.Config{
		Addr:            net.JoinHostPort(c.host, strconv.Itoa(c.port)),
		AdminAddr:       c.adminAddr,
		Handler:         handler,
		Metrics:         tel.Metrics,
		Pprof:           c.pprof,
		Checks:          append(c.checks(db), authChecks...),
		Logger:          log,
		ShutdownTimeout: c.shutdownTimeout,
		// MLflow sees the upstream's Host, so its DNS-rebinding check no
		// longer protects it: the sidecar applies MLflow's Host rule itself,
		// to every request, proxied or not.
		Wrap: c.hostRule(log).Wrap,
	})
	log.Info("starting mlflow-sidecar", "version", version, "database", uri.Redacted(), "upstream", c.upstream,
		"static_prefix", c.staticPrefix, "workspaces", c.enableWorkspaces, "auth", c.auth, "traces_exported", tel.TracesExported)
	return srv.Run(ctx)
}

// prepareSchema applies or checks the sidecar's migrations.
func (c *serveConfig) prepareSchema(ctx context.Context, uri mlflowdb.URI, log *slog.Logger) error {
	var st migrations.Status
	var err error
	if c.migrate == "auto" {
		st, err = migrations.Up(ctx, uri, log)
	} else {
		st, err = migrations.Inspect(ctx, uri)
		if err == nil && st.Pending > 0 {
			err = fmt.Errorf("%d sidecar migration(s) pending and --migrate=off: run `mlflow-sidecar migrate up`", st.Pending)
		}
	}
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		return fmt.Errorf("database schema: %w", err)
	}
	if !st.MLflowInitialised {
		log.Warn("MLflow has not initialised this database yet (no alembic_version table); the registry works, " +
			"MLflow will create its own tables when it starts")
	}
	log.Info("database schema ready", "mcp_tables_owner", string(st.Owner), "sidecar_schema_version", st.Version,
		"mlflow_revision", st.MLflowRevision)
	return nil
}

// routes builds the route table: the registry served here, everything else
// proxied to MLflow.
func (c *serveConfig) routes(ctx context.Context, db *mlflowdb.DB, auth sidecar.Authenticator, log *slog.Logger) (http.Handler, func(), error) {
	resolver := workspaces.NewResolver(c.enableWorkspaces, db)
	if err := resolver.CheckSchema(ctx); err != nil {
		return nil, nil, err
	}
	icons, err := mcpspec.IconPolicyFromEnv()
	if err != nil {
		return nil, nil, usageError{err}
	}
	st := store.New(db)
	reg := mcpregistry.New(mcpregistry.Config{
		Store:      st,
		Icons:      icons,
		ServerJSON: mcpspec.ServerJSONOptions{Strict: c.serverJSONValidation == "strict"},
	})
	links := tracking.New(tracking.Config{DB: db, Store: st})
	autolink, err := otlplink.ParseMode(c.otlpAutolink)
	if err != nil {
		return nil, nil, usageError{err}
	}
	// A same-origin Origin is MLflow's own UI only on a host the Host rule
	// names: under a wildcard the name may be an attacker's, rebound.
	trustSame := c.hostRule(log).Exact
	pcfg := proxy.Config{URL: c.upstream, Logger: log, ResponseHeaderTimeout: c.upstreamTimeout,
		TrustForwardedHeaders: c.trustForwarded, TrustSameOrigin: trustSame}
	var linker *otlplink.Linker
	if autolink {
		if linker, err = otlplink.New(links, reg, otlplink.Options{StaticPrefix: c.staticPrefix, Logger: log}); err != nil {
			return nil, nil, err
		}
		pcfg.Tap = linker
	}
	up, err := proxy.NewUpstream(pcfg)
	if err != nil {
		return nil, nil, usageError{err}
	}
	cleanup := func() {
		up.Close()
		if linker != nil {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := linker.Shutdown(sctx); err != nil {
				log.Warn("OTLP auto-link queue not drained", "err", err)
			}
		}
	}
	router, err := proxy.NewRouter(c.staticPrefix, up)
	if err != nil {
		return nil, nil, usageError{err}
	}
	own := sidecar.OwnOptions{
		Workspaces: resolver, Auth: auth, MaxBodyBytes: c.maxRequestBytes,
		WriteTimeout: time.Minute, ReadTimeout: time.Minute,
		// 32 bodies of up to --max-request-bytes (16 MiB) in memory at most.
		MaxConcurrentBodies: 32,
		Logger:              log,
	}
	origin := guard.NewOriginRule(guard.OriginConfig{AllowedOrigins: c.corsOrigins, TrustForwardedHeaders: c.trustForwarded,
		TrustSameOrigin: trustSame, Logger: log})
	// The Origin rule sits outside authentication: CORS preflights carry no credentials.
	ownRoute := func(h http.Handler) http.Handler { return origin.Wrap(sidecar.Own(h, own)) }
	linkAPI := tracking.NewHandler(links, tracking.HandlerOptions{StaticPrefix: c.staticPrefix, Logger: log})
	registryAPI := httpapi.Handler(reg, httpapi.Options{StaticPrefix: c.staticPrefix, Logger: log})
	// The trace listings of a server or version live inside the registry's
	// subtree (/mcp-servers/{name}/versions/{version}/traces).
	api := ownRoute(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if linkAPI.Serves(r.URL.EscapedPath()) {
			linkAPI.ServeHTTP(w, r)
			return
		}
		registryAPI.ServeHTTP(w, r)
	}))
	for _, p := range httpapi.Prefixes {
		if err := router.Handle(proxy.Route{Name: "mcp-registry " + p, Path: p, Subtree: true, Handler: api}); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range tracking.TraceRoutePatterns {
		if err := router.Handle(proxy.Route{Name: "trace-links " + p, Path: p, Handler: ownRoute(linkAPI)}); err != nil {
			return nil, nil, err
		}
	}
	if err := c.officialRoutes(router, reg, auth, own, origin.Wrap, log); err != nil {
		return nil, nil, err
	}
	return router, cleanup, nil
}

// hostRule is the Host rule, built once: it guards every request
// (sidecar.Config.Wrap) and says on which hosts a same-origin Origin is
// trusted (the proxy and the Origin rule).
func (c *serveConfig) hostRule(log *slog.Logger) *guard.HostRule {
	if c.hosts == nil {
		c.hosts = guard.NewHostRule(guard.HostConfig{AllowedHosts: c.allowedHosts, TrustForwardedHeaders: c.trustForwarded, Logger: log})
	}
	return c.hosts
}

func (c *serveConfig) checks(db *mlflowdb.DB) []sidecar.Check {
	probe := &http.Client{Timeout: 2 * time.Second}
	health := strings.TrimSuffix(c.upstream, "/") + "/health"
	return []sidecar.Check{
		{Name: "database", Required: true, Run: db.Ping},
		{Name: "migrations", Required: true, Run: func(ctx context.Context) error { return migrations.Current(ctx, db.Q()) }},
		{Name: "upstream", Required: false, Run: func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
			if err != nil {
				return err
			}
			resp, err := probe.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				return errors.New("MLflow answered " + resp.Status)
			}
			return nil
		}},
	}
}

func shutdownTelemetry(tel *telemetry.Providers, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		log.Warn("telemetry shutdown", "err", err)
	}
}

// authenticator builds the --auth mode. A nil Authenticator means none.
func (c *serveConfig) authenticator(ctx context.Context, log *slog.Logger) (sidecar.Authenticator, []sidecar.Check, error) {
	mode, err := guard.ParseMode(c.auth)
	if err != nil {
		return nil, nil, usageError{err}
	}
	up := guard.UpstreamConfig{URL: c.upstream, CacheTTL: c.authCacheTTL, Logger: log}
	if c.authCacheTTL == 0 {
		up.CacheTTL = -1 // 0 means "the default" to guard; the flag's 0 means no cache
	}
	switch mode {
	case guard.ModeNone:
		log.Warn("--auth=none: anyone who can reach the sidecar may change the MCP registry")
		return nil, nil, nil
	case guard.ModeMLflow:
		a, err := guard.NewMLflow(up)
		if err != nil {
			return nil, nil, usageError{err}
		}
		return a, nil, nil
	case guard.ModeHeader:
		cidrs, err := guard.ParseCIDRs(c.trustedCIDRs)
		if err != nil {
			return nil, nil, usageError{err}
		}
		a, err := guard.NewHeader(guard.HeaderConfig{Header: c.trustedHeader, TrustedProxies: cidrs, Logger: log})
		if err != nil {
			return nil, nil, usageError{err}
		}
		return a, nil, nil
	default: // auto
		a, err := guard.NewAuto(up)
		if err != nil {
			return nil, nil, usageError{err}
		}
		go a.Run(ctx)
		return a, []sidecar.Check{{Name: "auth-mode", Required: false, Run: a.Check}}, nil
	}
}
