package sidecar

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// WorkspaceResolver resolves the X-MLFLOW-WORKSPACE header.
type WorkspaceResolver interface {
	Resolve(ctx context.Context, header string) (string, error)
}

// Authenticator establishes who a request is. It returns the user name (nil
// when the sidecar runs without authentication) or an error; when it has
// already written the response (e.g. a 401 challenge) it returns handled.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request) (user *string, handled bool, err error)
}

// OwnOptions configure the middleware of the routes the sidecar serves
// itself (the registry, trace links, the /v0.1 API). Proxied routes never
// pass through it: MLflow applies its own rules to them.
type OwnOptions struct {
	Workspaces WorkspaceResolver
	Auth       Authenticator // nil: no authentication
	// MaxBodyBytes caps request bodies (--max-request-bytes).
	MaxBodyBytes int64
	// WriteTimeout bounds writing a response; own routes never stream.
	WriteTimeout time.Duration
	// ReadTimeout bounds reading the request body: a client trickling a
	// large body must not hold its buffer for ever.
	ReadTimeout time.Duration
	// MaxConcurrentBodies bounds how many own-route requests read a body at
	// once (each may buffer up to MaxBodyBytes); later ones wait up to
	// BodyQueueTimeout, then get 503. 0: no bound.
	MaxConcurrentBodies int
	BodyQueueTimeout    time.Duration
	Logger              *slog.Logger
}

// Own wraps a handler of the sidecar's own routes: body limit, write
// deadline, authentication, then workspace resolution into the request scope.
func Own(h http.Handler, o OwnOptions) http.Handler {
	var bodies chan struct{}
	if o.MaxConcurrentBodies > 0 {
		bodies = make(chan struct{}, o.MaxConcurrentBodies)
	}
	queueTimeout := o.BodyQueueTimeout
	if queueTimeout <= 0 {
		queueTimeout = 10 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if o.WriteTimeout > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		}
		if o.ReadTimeout > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(o.ReadTimeout))
		}
		if bodies != nil && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			t := time.NewTimer(queueTimeout)
			select {
			case bodies <- struct{}{}:
				t.Stop()
				defer func() { <-bodies }()
			case <-t.C:
				mlflowerr.Write(w, mlflowerr.Unavailable("Too many requests are being received at once. Retry shortly."))
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if err := checkURLText(r); err != nil {
			mlflowerr.Write(w, err)
			return
		}
		if o.MaxBodyBytes > 0 {
			if r.ContentLength > o.MaxBodyBytes {
				mlflowerr.Write(w, mlflowerr.TooLarge("Request body is too large: %d bytes, the limit is %d bytes",
					r.ContentLength, o.MaxBodyBytes))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, o.MaxBodyBytes)
		}
		var user *string
		authenticated := false
		if o.Auth != nil {
			ctx, checked := scope.WithAuthMark(r.Context())
			r = r.WithContext(ctx)
			u, handled, err := o.Auth.Authenticate(w, r)
			authenticated = checked()
			if handled {
				return
			}
			if err != nil {
				mlflowerr.Write(w, err)
				return
			}
			user = u
		}
		ws, err := o.Workspaces.Resolve(r.Context(), r.Header.Get(scope.WorkspaceHeader))
		if err != nil {
			if _, status := mlflowerr.Code(err); status >= http.StatusInternalServerError && o.Logger != nil {
				o.Logger.ErrorContext(r.Context(), "workspace resolution failed", "err", err)
			}
			mlflowerr.Write(w, err)
			return
		}
		h.ServeHTTP(w, r.WithContext(scope.With(r.Context(), scope.Scope{Workspace: ws, User: user, Authenticated: authenticated})))
	})
}

// checkURLText refuses a decoded path or query value holding NUL or invalid
// UTF-8: no name, version, alias or tag key can contain them, and
// PostgreSQL rejects them in text (SQLSTATE 22021), which would otherwise
// surface as a 500.
func checkURLText(r *http.Request) error {
	if !cleanText(r.URL.Path) {
		return mlflowerr.Invalid("Invalid request: the path must be valid UTF-8 without NUL characters")
	}
	for name, values := range r.URL.Query() {
		for _, v := range values {
			if !cleanText(name) || !cleanText(v) {
				return mlflowerr.Invalid("Invalid request: query parameter %q must be valid UTF-8 without NUL characters", name)
			}
		}
	}
	return nil
}

func cleanText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
