// Package guard is the sidecar's request safety: who may call the routes it
// serves itself, and which requests may reach it at all.
//
//   - HostRule (every request, proxied or served): MLflow's DNS-rebinding
//     check on the Host header. The proxy hands MLflow the upstream's Host,
//     so MLflow can no longer make this check itself.
//   - OriginRule (own routes): MLflow's refusal of cross-origin writes, and
//     CORS answers for the origins it allows.
//   - Authenticators (own routes; the sidecar.Own middleware calls them):
//     None, MLflow (credentials checked by asking MLflow, with a short
//     cache), Header (a user header from a trusted authenticating proxy) and
//     Auto (MLflow or None, following what MLflow itself demands).
//     WithAuthorizer adds the one hook where per-server permissions go.
//
// Nothing here logs or records a header value that can carry a secret
// (Authorization, Cookie) or a query string. SECURITY.md describes the
// security model for operators.
package guard
