package proxy

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// querylessSpanURL sits under otelhttp's transport, inside the client span
// it starts, and overwrites the span's url.full (which otelhttp sets from the
// whole URL) with the URL without its query. Query strings carry what no
// trace should: run and artifact identifiers, search filters, and for some
// MLflow auth plugins tokens. Setting an attribute again replaces it (the
// OpenTelemetry API's rule), so the query never reaches an exporter; the
// request itself is forwarded untouched.
type querylessSpanURL struct{ next http.RoundTripper }

func (q querylessSpanURL) RoundTrip(r *http.Request) (*http.Response, error) {
	if u := r.URL; u.RawQuery != "" || u.ForceQuery {
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			// Built by hand: an Opaque path (see keepExactPath) would drop
			// the host from url.URL.String.
			path := u.Opaque
			if path == "" {
				path = u.EscapedPath()
			}
			span.SetAttributes(attribute.String("url.full", u.Scheme+"://"+u.Host+path))
		}
	}
	return q.next.RoundTrip(r)
}
