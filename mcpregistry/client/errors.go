package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Error is a failure reported by the server: MLflow's error_code, the HTTP
// status and the message. It matches the kind of its code with errors.Is
// (errors.Is(err, mlflowerr.ErrNotFound) for RESOURCE_DOES_NOT_EXIST).
type Error struct {
	StatusCode int
	// Code is MLflow's error_code. Answers without an MLflow error body (a
	// proxy's 502 page, FastAPI's 405) get a code derived from the status.
	Code    string
	Message string
	// Method and URL identify the request (the URL carries no credentials).
	Method string
	URL    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%s, HTTP %d)", e.Message, e.Code, e.StatusCode)
}

// Unwrap returns the mlflowerr kind of the error, or nil for internal errors
// and unknown routes.
func (e *Error) Unwrap() error {
	switch e.Code {
	case "INVALID_PARAMETER_VALUE", "BAD_REQUEST", "INVALID_STATE":
		if e.StatusCode == http.StatusRequestEntityTooLarge {
			return mlflowerr.ErrTooLarge
		}
		return mlflowerr.ErrInvalid
	case "RESOURCE_DOES_NOT_EXIST":
		return mlflowerr.ErrNotFound
	case "RESOURCE_ALREADY_EXISTS":
		return mlflowerr.ErrAlreadyExists
	case "PERMISSION_DENIED":
		return mlflowerr.ErrPermissionDenied
	case "UNAUTHENTICATED":
		return mlflowerr.ErrUnauthenticated
	case "FEATURE_DISABLED":
		return mlflowerr.ErrFeatureDisabled
	case "TEMPORARILY_UNAVAILABLE":
		return mlflowerr.ErrUnavailable
	case "ENDPOINT_NOT_FOUND":
		// No such route: a server without the registry, or a wrong
		// tracking URI. Not a missing resource.
		return nil
	}
	return kindOfStatus(e.StatusCode)
}

func kindOfStatus(status int) error {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return mlflowerr.ErrInvalid
	case http.StatusUnauthorized:
		return mlflowerr.ErrUnauthenticated
	case http.StatusForbidden:
		return mlflowerr.ErrPermissionDenied
	case http.StatusNotFound:
		return mlflowerr.ErrNotFound
	case http.StatusRequestEntityTooLarge:
		return mlflowerr.ErrTooLarge
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return mlflowerr.ErrUnavailable
	}
	return nil
}

// codeOfStatus names answers that carry no MLflow error body.
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "ENDPOINT_NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "TEMPORARILY_UNAVAILABLE"
	}
	return "INTERNAL_ERROR"
}

// maxErrorText bounds the part of a non-JSON error body kept as the message.
const maxErrorText = 512

// parseError reads an error answer: MLflow's {"error_code","message"}, or
// FastAPI's {"detail": ...}, or any text.
func parseError(method, url string, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, URL: url}
	var mb mlflowerr.Body
	if json.Unmarshal(body, &mb) == nil && mb.ErrorCode != "" {
		e.Code, e.Message = mb.ErrorCode, mb.Message
		return e
	}
	e.Code = codeOfStatus(status)
	var fb struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &fb) == nil && len(fb.Detail) > 0 {
		var s string
		if json.Unmarshal(fb.Detail, &s) == nil {
			e.Message = s
		} else {
			e.Message = string(fb.Detail)
		}
	} else {
		e.Message = strings.TrimSpace(string(body))
	}
	if len(e.Message) > maxErrorText {
		e.Message = e.Message[:maxErrorText] + "..."
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// TransportError is a request that got no HTTP answer: connection refused,
// DNS failure, TLS failure, connection lost, timeout. It counts as
// mlflowerr.ErrUnavailable.
type TransportError struct {
	Method string
	URL    string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

// Unwrap gives both the cause and mlflowerr.ErrUnavailable to errors.Is.
func (e *TransportError) Unwrap() []error { return []error{e.Err, mlflowerr.ErrUnavailable} }

// IsNotFound reports a missing resource (RESOURCE_DOES_NOT_EXIST or a 404).
func IsNotFound(err error) bool { return errors.Is(err, mlflowerr.ErrNotFound) }

// IsInvalid reports a request the server rejected as invalid
// (INVALID_PARAMETER_VALUE and other 400s, not "already exists").
func IsInvalid(err error) bool {
	return errors.Is(err, mlflowerr.ErrInvalid) || errors.Is(err, mlflowerr.ErrTooLarge) ||
		errors.Is(err, mlflowerr.ErrFeatureDisabled)
}

// IsAlreadyExists reports RESOURCE_ALREADY_EXISTS.
func IsAlreadyExists(err error) bool { return errors.Is(err, mlflowerr.ErrAlreadyExists) }

// IsUnauthenticated reports missing or rejected credentials (401).
func IsUnauthenticated(err error) bool { return errors.Is(err, mlflowerr.ErrUnauthenticated) }

// IsPermissionDenied reports an authenticated caller that may not do this (403).
func IsPermissionDenied(err error) bool { return errors.Is(err, mlflowerr.ErrPermissionDenied) }

// IsUnavailable reports a server that could not be reached or answered that
// it is temporarily unavailable (503 and other gateway answers).
func IsUnavailable(err error) bool { return errors.Is(err, mlflowerr.ErrUnavailable) }
