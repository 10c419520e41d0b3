// Package client is a Go client of the MCP server registry API that MLflow
// 3.15 serves (and mlflow-sidecar serves beside older MLflow versions), plus
// the sidecar's trace-link routes.
//
// It is configured like MLflow's own clients. [FromEnv] reads
// MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD
// (HTTP Basic) or MLFLOW_TRACKING_TOKEN (Bearer), MLFLOW_WORKSPACE (sent as
// X-MLFLOW-WORKSPACE), MLFLOW_TRACKING_INSECURE_TLS,
// MLFLOW_TRACKING_SERVER_CERT_PATH, MLFLOW_TRACKING_CLIENT_CERT_PATH,
// MLFLOW_HTTP_REQUEST_MAX_RETRIES and MLFLOW_HTTP_REQUEST_TIMEOUT;
// [New] takes the same settings as [Options]. A tracking URI may carry a
// static prefix (http://host/mlflow), as MLflow's --static-prefix needs.
//
// Request and response bodies are the types of package wire, the one
// definition shared with the server. Names, versions, aliases and tag keys
// are percent-encoded as single path segments ("/" becomes %2F), as MLflow's
// REST client does with quote(value, safe="").
//
// Failures the server reports are [*Error] values carrying MLflow's
// error_code, the HTTP status and the message; they match the kinds of
// package mlflowerr with errors.Is, and [IsNotFound], [IsInvalid] and the
// other helpers test for them. Failures to reach the server are
// [*TransportError] values, which count as unavailable.
//
// # Retries
//
// Only requests that cannot change anything twice are retried, with
// exponential backoff and jitter, up to Options.MaxRetries times:
//
//   - GET is retried on 429, 502, 503 and 504 answers and on any connection
//     failure.
//   - DELETE is retried only when the connection could not be opened at all
//     (connection refused, DNS failure), because then the server never saw
//     the request. It is not retried on 503 or on a connection lost after
//     sending: a delete that took effect before the failure would answer the
//     retry with 404 (400 for a version, whose second delete is an invalid
//     status transition), reporting a failure for a delete that succeeded.
//   - POST and PATCH are never retried.
//
// # Pagination
//
// Search methods return one page; the iterator methods ([Client.Servers],
// [Client.Versions], [Client.Endpoints], [Client.VersionTraces],
// [Client.ServerTraces]) follow next_page_token until the last page:
//
//	c, err := client.FromEnv()
//	if err != nil { ... }
//	for s, err := range c.Servers(ctx, client.Search{Filter: "status = 'active'"}) {
//		if err != nil { ... }
//		fmt.Println(s.Name, *s.LatestVersion)
//	}
package client
