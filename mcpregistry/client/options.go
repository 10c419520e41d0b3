package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options configure a Client. The zero value of every field but TrackingURI
// is a sensible default.
type Options struct {
	// TrackingURI is the server's base URL, with an optional static prefix:
	// http://127.0.0.1:5001 or https://host/mlflow. User info in the URL
	// (http://user:pass@host) is used as Basic credentials when Username
	// is empty.
	TrackingURI string
	// Username and Password send HTTP Basic authentication when both are
	// set; it takes precedence over Token, as in MLflow's client.
	Username string
	Password string
	// Token sends "Authorization: Bearer <Token>".
	Token string
	// Workspace is sent as X-MLFLOW-WORKSPACE when not empty.
	Workspace string
	// InsecureTLS skips verification of the server's certificate.
	InsecureTLS bool
	// ServerCertPath is a PEM bundle of CAs to verify the server with,
	// instead of the system roots.
	ServerCertPath string
	// ClientCertPath is a PEM file holding a client certificate and its key.
	ClientCertPath string
	// HTTPClient replaces the client built from the TLS options above.
	HTTPClient *http.Client
	// Timeout bounds each attempt of a request (0: 120 s, negative: none).
	Timeout time.Duration
	// MaxRetries bounds the retries of a retryable request (0: 5,
	// negative: none). See the package documentation for what is retried.
	MaxRetries int
	// RetryWait is the first backoff (0: 500 ms); each retry doubles it, up
	// to MaxRetryWait (0: 10 s), with jitter. A Retry-After answer is
	// honoured up to MaxRetryWait.
	RetryWait    time.Duration
	MaxRetryWait time.Duration
	// UserAgent is sent as User-Agent (default "mlflow-sidecar-client").
	UserAgent string
}

// Environment variables read by OptionsFromEnv, named as MLflow names them.
const (
	EnvTrackingURI    = "MLFLOW_TRACKING_URI"
	EnvUsername       = "MLFLOW_TRACKING_USERNAME"
	EnvPassword       = "MLFLOW_TRACKING_PASSWORD"
	EnvToken          = "MLFLOW_TRACKING_TOKEN"
	EnvWorkspace      = "MLFLOW_WORKSPACE"
	EnvInsecureTLS    = "MLFLOW_TRACKING_INSECURE_TLS"
	EnvServerCertPath = "MLFLOW_TRACKING_SERVER_CERT_PATH"
	EnvClientCertPath = "MLFLOW_TRACKING_CLIENT_CERT_PATH"
	EnvMaxRetries     = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
	EnvTimeout        = "MLFLOW_HTTP_REQUEST_TIMEOUT"
)

// OptionsFromEnv reads the MLflow client environment variables. An unset
// MLFLOW_TRACKING_URI leaves TrackingURI empty for the caller to fill in.
func OptionsFromEnv() (Options, error) { return optionsFrom(os.LookupEnv) }

func optionsFrom(lookup func(string) (string, bool)) (Options, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	o := Options{
		TrackingURI:    get(EnvTrackingURI),
		Username:       get(EnvUsername),
		Password:       get(EnvPassword),
		Token:          get(EnvToken),
		Workspace:      get(EnvWorkspace),
		ServerCertPath: get(EnvServerCertPath),
		ClientCertPath: get(EnvClientCertPath),
	}
	var errs []error
	if v := get(EnvInsecureTLS); v != "" {
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvInsecureTLS, err))
		}
		o.InsecureTLS = b
	}
	if v := get(EnvMaxRetries); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0:
			errs = append(errs, fmt.Errorf("%s: %q is not a non-negative integer", EnvMaxRetries, v))
		case n == 0:
			o.MaxRetries = -1
		default:
			o.MaxRetries = n
		}
	}
	if v := get(EnvTimeout); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive number of seconds", EnvTimeout, v))
		}
		o.Timeout = time.Duration(secs * float64(time.Second))
	}
	return o, errors.Join(errs...)
}

// parseBool accepts what MLflow's boolean environment variables accept.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true, false, 1, 0)", v)
}

func (o Options) withDefaults() Options {
	if o.Timeout == 0 {
		o.Timeout = 120 * time.Second
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 5
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 500 * time.Millisecond
	}
	if o.MaxRetryWait <= 0 {
		o.MaxRetryWait = 10 * time.Second
	}
	if o.UserAgent == "" {
		o.UserAgent = "mlflow-sidecar-client"
	}
	return o
}

// httpClient builds the HTTP client from the TLS options.
func (o Options) httpClient() (*http.Client, error) {
	if o.HTTPClient != nil {
		return o.HTTPClient, nil
	}
	if o.InsecureTLS && o.ServerCertPath != "" {
		// MLflow refuses this combination too: one of them is a mistake.
		return nil, fmt.Errorf("%s and %s are mutually exclusive", EnvInsecureTLS, EnvServerCertPath)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureTLS} //nolint:gosec // the user asked for it
	if o.ServerCertPath != "" {
		pem, err := os.ReadFile(o.ServerCertPath)
		if err != nil {
			return nil, fmt.Errorf("server CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server CA bundle %s holds no PEM certificate", o.ServerCertPath)
		}
		tc.RootCAs = pool
	}
	if o.ClientCertPath != "" {
		pem, err := os.ReadFile(o.ClientCertPath)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cert, err := tls.X509KeyPair(pem, pem)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", o.ClientCertPath, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}
