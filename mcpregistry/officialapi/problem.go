package officialapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Problem is an RFC 9457 problem details body as the official registry's
// framework (huma v2) writes it: title is the status text, detail the
// occurrence, errors the individual findings.
type Problem struct {
	Title  string         `json:"title,omitempty"`
	Status int            `json:"status,omitempty"`
	Detail string         `json:"detail,omitempty"`
	Errors []*ErrorDetail `json:"errors,omitempty"`
}

// ErrorDetail is one finding: huma's {message, location, value}.
type ErrorDetail struct {
	Message  string `json:"message,omitempty"`
	Location string `json:"location,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func (p *Problem) Error() string { return p.Detail }

func newProblem(status int, detail string, errs ...*ErrorDetail) *Problem {
	return &Problem{Title: http.StatusText(status), Status: status, Detail: detail, Errors: errs}
}

// validationFailed is huma's answer to a request that fails its declared
// parameter or body rules: 422 "validation failed" with one finding each.
func validationFailed(errs ...*ErrorDetail) *Problem {
	return newProblem(http.StatusUnprocessableEntity, "validation failed", errs...)
}

// internalDetail replaces the text of unexpected errors, which may hold SQL
// or driver detail; the handler logs the real error.
const internalDetail = "Internal error. See the sidecar's log for details."

// problemFor is the one mapping from an error to problem details. A Problem
// is sent as it is. A domain error keeps its kind's status (mlflowerr.Code,
// the native API's mapping, so both APIs agree on what a mistake is) and
// its message: as the detail, or, when the operation names its own detail
// (the official server's "Failed to publish server"), as the one finding
// under it. Anything else is a 500 with a generic detail.
func problemFor(err error, opDetail string) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	_, status := mlflowerr.Code(err)
	if status == http.StatusInternalServerError {
		return newProblem(status, internalDetail)
	}
	msg := err.Error()
	var me *mlflowerr.Error
	if errors.As(err, &me) {
		msg = me.Message
	}
	if opDetail == "" {
		return newProblem(status, msg)
	}
	return newProblem(status, opDetail, &ErrorDetail{Message: msg})
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
