// Package proxy is the sidecar's front door: one route table (Router) that
// sends the few paths the sidecar serves itself to in-process handlers and
// everything else to MLflow through a streaming reverse proxy (Upstream).
//
// # Routes
//
// Routes match the raw (escaped) path, so "%2F" inside a segment never
// splits it, and know MLflow's --static-prefix (see Placement). A Subtree
// route "/a/b" matches "/a/b" and "/a/b/..." but not "/a/b-c"; "{name}"
// segments match one segment. Handlers get the request unchanged (the
// static prefix is still in URL.Path and URL.RawPath) and the Match from
// MatchFrom(r.Context()).
//
// # Forwarding
//
// Method, raw path (including %2F, %252F, %20 and "//"), query string and
// body reach MLflow as the client sent them, with the upstream URL's path
// in front. Bodies stream both ways through pooled 32 KiB buffers; SSE and
// chunked responses are flushed per write. A client that goes away cancels
// the upstream request. Hop-by-hop headers (Connection and the headers it
// lists, Keep-Alive, TE except "trailers", Trailer, Transfer-Encoding,
// Upgrade outside an upgrade, and every Proxy-* header) are dropped;
// X-Forwarded-For is appended to, X-Forwarded-Host and X-Forwarded-Proto
// are set (see Config.TrustForwardedHeaders); a client's "Forwarded" header
// is dropped. An OpenTelemetry client span wraps the hop (its url.full
// leaves the query string out) and traceparent / tracestate are injected
// from the request context, so MLflow's work is a child of the sidecar's
// span.
//
// # Host and Origin
//
// MLflow (mlflow/server/security.py for Flask, fastapi_security.py for
// uvicorn, both via security_utils.py) answers 403 when
//   - the Host header does not match --allowed-hosts (default: localhost,
//     127.0.0.1, [::1], 0.0.0.0 with any port, and the private ranges
//     10.*, 172.16-31.*, 192.168.*, fc00:*, fd00:*), except /health and
//     /version; or
//   - a POST, PUT, DELETE or PATCH to an /api/ or /ajax-api/ path (with or
//     without the static prefix) carries an Origin whose host is not
//     localhost/127.0.0.1/[::1] and is not in --cors-allowed-origins.
//
// It checks neither Referer nor X-Forwarded-*. The proxy therefore
//   - always sends the upstream's Host (Go's default for the target URL);
//     MLflow's DNS-rebinding check then sees the sidecar, not the client,
//     so the sidecar must apply its own Host allow-list in front of the
//     Router;
//   - replaces an Origin equal to the origin the client addressed (scheme
//     from the connection, host from Host; with TrustForwardedHeaders, from
//     the last values of X-Forwarded-Proto/Host) with the upstream's
//     origin, which is what MLflow's own UI would send if the browser were
//     at MLflow's address, on the hosts Config.TrustSameOrigin vouches for
//     (a host a wildcard admitted may be an attacker's, rebound);
//   - forwards any other Origin unchanged, so MLflow's CORS policy judges
//     foreign origins exactly as it would without the sidecar;
//   - leaves Referer alone.
//
// # Failures
//
// When MLflow gives no response the client gets an MLflow error body with
// error_code TEMPORARILY_UNAVAILABLE: 504 for timeouts (dial, response
// headers, deadline), 502 otherwise. An outage is logged once when it
// starts, at most once per Config.ErrorLogInterval while it lasts, and once
// when a response arrives again. There is no circuit breaker: every request
// tries MLflow, so recovery is immediate. A body that breaks mid-stream
// aborts the client connection with http.ErrAbortHandler (a panic the
// net/http server handles); recovery middleware must re-panic it.
//
// # Tap
//
// A Tap sees the exact request bytes of the requests it wants, after MLflow
// answered and the response went out. See Tap. The copies grow as bytes
// arrive and all in flight share one budget (Config.TapBudgetBytes): a
// request the budget cannot pay for is forwarded untapped, never delayed.
package proxy
