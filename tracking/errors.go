package tracking

import (
	"errors"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Sentinels for callers that react to why a trace could not be used (the
// OTLP auto-linker retries a missing trace, but not one of another
// workspace). Both errors are also mlflowerr.ErrNotFound with MLflow's
// message: a trace of another workspace is indistinguishable from a missing
// one to a client.
var (
	ErrTraceNotFound         = errors.New("tracking: trace not found")
	ErrTraceInOtherWorkspace = errors.New("tracking: trace belongs to another workspace")
)

type traceError struct {
	public error
	reason error
}

func (e *traceError) Error() string   { return e.public.Error() }
func (e *traceError) Unwrap() []error { return []error{e.public, e.reason} }

func traceNotFound(id string, reason error) error {
	return &traceError{public: mlflowerr.NotFound("Trace with request_id '%s' not found.", id), reason: reason}
}

// ErrVersionNotFound matches the error of a call naming a version that does
// not exist (or, for linking, is deleted) in the caller's workspace.
var ErrVersionNotFound = errors.New("tracking: MCP server version not found")

func versionNotFound(r VersionRef) error {
	// The registry's own message for a missing version.
	return &traceError{
		public: mlflowerr.NotFound("MCP server version '%s' version '%s' not found", r.Name, r.Version),
		reason: ErrVersionNotFound,
	}
}

func serverNotFound(name string) error {
	return mlflowerr.NotFound("MCP server '%s' not found", name)
}
