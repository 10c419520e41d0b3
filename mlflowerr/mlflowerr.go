// Package mlflowerr holds the few kinds of failure the sidecar reports and the
// one mapping from those kinds to MLflow's wire format: an `error_code` string,
// an HTTP status, and the `{"error_code","message"}` body.
//
// Domain code returns errors built here (Invalid, NotFound, ...); HTTP code
// calls Write. Nothing else in the project decides an error code or status.
package mlflowerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Kinds. Each is a sentinel so callers can test with errors.Is.
var (
	ErrInvalid          = errors.New("invalid parameter value")  // INVALID_PARAMETER_VALUE, 400
	ErrNotFound         = errors.New("resource does not exist")  // RESOURCE_DOES_NOT_EXIST, 404
	ErrAlreadyExists    = errors.New("resource already exists")  // RESOURCE_ALREADY_EXISTS, 400 (MLflow's mapping, not 409)
	ErrPermissionDenied = errors.New("permission denied")        // PERMISSION_DENIED, 403
	ErrUnauthenticated  = errors.New("unauthenticated")          // UNAUTHENTICATED, 401
	ErrFeatureDisabled  = errors.New("feature disabled")         // FEATURE_DISABLED, 400 (see Code)
	ErrUnavailable      = errors.New("temporarily unavailable")  // TEMPORARILY_UNAVAILABLE, 503
	ErrTooLarge         = errors.New("request entity too large") // INVALID_PARAMETER_VALUE, 413
	ErrBadRequest       = errors.New("bad request")              // BAD_REQUEST, 400 (MLflow's answer to non-integrity database errors)
)

// Error is a failure with a user-facing message and one of the kinds above.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func newf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports input MLflow would reject with INVALID_PARAMETER_VALUE.
func Invalid(format string, args ...any) error { return newf(ErrInvalid, format, args...) }

// NotFound reports a missing (or invisible) resource.
func NotFound(format string, args ...any) error { return newf(ErrNotFound, format, args...) }

// AlreadyExists reports a duplicate key.
func AlreadyExists(format string, args ...any) error { return newf(ErrAlreadyExists, format, args...) }

// PermissionDenied reports an authenticated caller that may not do this.
func PermissionDenied(format string, args ...any) error {
	return newf(ErrPermissionDenied, format, args...)
}

// Unauthenticated reports a caller without acceptable credentials.
func Unauthenticated(format string, args ...any) error {
	return newf(ErrUnauthenticated, format, args...)
}

// FeatureDisabled reports use of a feature that is switched off (e.g. workspaces).
func FeatureDisabled(format string, args ...any) error {
	return newf(ErrFeatureDisabled, format, args...)
}

// Unavailable reports a dependency (database, upstream) that cannot be reached now.
func Unavailable(format string, args ...any) error { return newf(ErrUnavailable, format, args...) }

// TooLarge reports a request body over the configured limit.
func TooLarge(format string, args ...any) error { return newf(ErrTooLarge, format, args...) }

// Code maps an error to MLflow's error_code and HTTP status. Errors of no known
// kind are internal errors; their text is not shown to clients (see Write).
func Code(err error) (code string, status int) {
	switch {
	case errors.Is(err, ErrInvalid):
		return "INVALID_PARAMETER_VALUE", http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return "RESOURCE_DOES_NOT_EXIST", http.StatusNotFound
	case errors.Is(err, ErrAlreadyExists):
		return "RESOURCE_ALREADY_EXISTS", http.StatusBadRequest
	case errors.Is(err, ErrPermissionDenied):
		return "PERMISSION_DENIED", http.StatusForbidden
	case errors.Is(err, ErrUnauthenticated):
		return "UNAUTHENTICATED", http.StatusUnauthorized
	case errors.Is(err, ErrFeatureDisabled):
		// MLflow has no HTTP status for FEATURE_DISABLED in its map (it would
		// answer 500); a client error is what it is, so we answer 400.
		return "FEATURE_DISABLED", http.StatusBadRequest
	case errors.Is(err, ErrUnavailable):
		return "TEMPORARILY_UNAVAILABLE", http.StatusServiceUnavailable
	case errors.Is(err, ErrTooLarge):
		return "INVALID_PARAMETER_VALUE", http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrBadRequest):
		return "BAD_REQUEST", http.StatusBadRequest
	default:
		return "INTERNAL_ERROR", http.StatusInternalServerError
	}
}

// clientMessager is implemented by errors whose text is for the operator's
// log and which carry a separate, safe message for the client.
type clientMessager interface{ ClientMessage() string }

// Body is MLflow's error body.
type Body struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// Write sends err as an MLflow error response. Internal errors get a generic
// message: their text may hold SQL or driver detail that is the operator's
// business (it is logged by the caller), not the client's.
func Write(w http.ResponseWriter, err error) {
	code, status := Code(err)
	msg := err.Error()
	var cm clientMessager
	switch {
	case status == http.StatusInternalServerError:
		msg = "Internal error. See the sidecar's log for details."
	case errors.As(err, &cm):
		msg = cm.ClientMessage()
	}
	WriteCode(w, status, code, msg)
}

// WriteCode sends an MLflow error body with an explicit code and status, for
// the few places (proxy, auth) whose failures are not domain errors.
func WriteCode(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Body{ErrorCode: code, Message: message})
}
