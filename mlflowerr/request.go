package mlflowerr

import (
	"errors"
	"strings"
)

// Issue is one problem with a request, at a location such as
// "icons.0.src" or "server_json.packages.0.registryType". Msg follows
// Pydantic's wording where MLflow validates with Pydantic, so that the
// joined message matches MLflow's byte for byte.
type Issue struct {
	Loc string
	Msg string
}

// RequestError is a client error made of located issues. It is of kind
// ErrInvalid; renderers other than MLflow's (the /v0.1 API's RFC 9457
// problem details) take the issues with errors.As.
type RequestError struct {
	// Title leads the message: "Invalid request" for MLflow's request
	// validation failures.
	Title  string
	Issues []Issue
}

// InvalidRequest reports request-validation issues the way MLflow's
// RequestValidationError handler does:
// "Invalid request: <loc>: <msg>; <loc>: <msg>" (an empty loc shows only msg).
func InvalidRequest(issues ...Issue) error {
	return &RequestError{Title: "Invalid request", Issues: issues}
}

func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString(e.Title)
	b.WriteString(": ")
	for i, is := range e.Issues {
		if i > 0 {
			b.WriteString("; ")
		}
		if is.Loc != "" {
			b.WriteString(is.Loc)
			b.WriteString(": ")
		}
		b.WriteString(is.Msg)
	}
	return b.String()
}

func (e *RequestError) Unwrap() error { return ErrInvalid }

// JoinRequest combines the outcomes of validating several fields of one
// request, given in field order, as MLflow's single Pydantic pass would: the
// first error that is not an issue list wins (MLflow raises those from inside
// validators, abandoning the issues collected so far); otherwise the issues
// are concatenated into one "Invalid request" error. Nil errors are skipped;
// JoinRequest returns nil when all are nil.
func JoinRequest(errs ...error) error {
	var issues []Issue
	for _, err := range errs {
		if err == nil {
			continue
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Title != "Invalid request" {
			return err
		}
		issues = append(issues, re.Issues...)
	}
	if len(issues) == 0 {
		return nil
	}
	return InvalidRequest(issues...)
}
