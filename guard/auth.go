package guard

import (
	"fmt"
	"net/http"
	"strings"
)

// Mode is the --auth setting.
type Mode string

// The authentication modes.
const (
	// ModeAuto asks MLflow at start and every minute whether it demands
	// authentication, and behaves as ModeMLflow or ModeNone accordingly.
	ModeAuto Mode = "auto"
	// ModeMLflow accepts a request when MLflow accepts its credentials.
	ModeMLflow Mode = "mlflow"
	// ModeHeader trusts a user header set by an authenticating proxy.
	ModeHeader Mode = "header"
	// ModeNone authenticates nobody: every caller may use the registry, and
	// writes record no user.
	ModeNone Mode = "none"
)

// ParseMode parses an --auth value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeAuto, ModeMLflow, ModeHeader, ModeNone:
		return m, nil
	}
	return "", fmt.Errorf("--auth must be auto, mlflow, header or none, got %q", s)
}

// Authenticator establishes who a request is; it has the method set of
// sidecar.Authenticator. It returns the user name (nil when unknown or when
// authentication is off), or an error (an mlflowerr kind) for the caller to
// write, or handled when it already wrote the response (a 401 challenge).
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request) (user *string, handled bool, err error)
}

// None authenticates nobody and lets everyone through (--auth=none).
type None struct{}

// Authenticate implements Authenticator.
func (None) Authenticate(http.ResponseWriter, *http.Request) (*string, bool, error) {
	return nil, false, nil
}

// Authorizer decides whether an authenticated caller may make a request:
// the one place per-server permissions go. user is nil when authentication
// is off or could not name the caller. The request carries the method, the
// path and (in its context) the route the router matched. An error should
// be an mlflowerr kind, usually PermissionDenied.
type Authorizer interface {
	Authorize(r *http.Request, user *string) error
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(r *http.Request, user *string) error

// Authorize implements Authorizer.
func (f AuthorizerFunc) Authorize(r *http.Request, user *string) error { return f(r, user) }

// WithAuthorizer returns an Authenticator that runs z after a succeeded.
func WithAuthorizer(a Authenticator, z Authorizer) Authenticator {
	return authorized{a, z}
}

type authorized struct {
	a Authenticator
	z Authorizer
}

func (x authorized) Authenticate(w http.ResponseWriter, r *http.Request) (*string, bool, error) {
	user, handled, err := x.a.Authenticate(w, r)
	if handled || err != nil {
		return user, handled, err
	}
	if err := x.z.Authorize(r, user); err != nil {
		return nil, false, err
	}
	return user, false, nil
}

// MLflow's 401 (mlflow/server/auth/__init__.py: make_basic_auth_response,
// and the FastAPI permission middleware that guards the MCP routes).
const (
	notAuthenticatedMsg = "You are not authenticated. Please see " +
		"https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow " +
		"on how to authenticate."
	basicChallenge = `Basic realm="mlflow"`
)

// writeChallenge sends MLflow's 401. challenge is what MLflow itself asked
// for when it refused the credentials (an auth plugin may ask for another
// scheme), or empty for MLflow's Basic challenge.
func writeChallenge(w http.ResponseWriter, challenge string) {
	if challenge == "" {
		challenge = basicChallenge
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writePlain(w, http.StatusUnauthorized, notAuthenticatedMsg)
}

// cleanChallenge keeps an upstream WWW-Authenticate value only when it is a
// short, printable header value.
func cleanChallenge(v string) string {
	if len(v) > 256 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return ""
		}
	}
	return v
}
