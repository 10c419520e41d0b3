// Package scope carries who a request acts as and in which MLflow workspace.
// The sidecar's middleware resolves both once per request (workspace header,
// authentication) and handlers read them from the context; domain code takes
// them as plain arguments.
package scope

import "context"

// DefaultWorkspace is MLflow's workspace when workspaces are off or unnamed.
const DefaultWorkspace = "default"

// WorkspaceHeader is the header MLflow's clients and UI send.
const WorkspaceHeader = "X-MLFLOW-WORKSPACE"

// Scope is the resolved identity of one request.
type Scope struct {
	Workspace string
	// User is the authenticated user name; nil when the sidecar runs without
	// authentication (MLflow then stores NULL in created_by/last_updated_by)
	// or when the credentials were accepted without naming a user.
	User *string
	// Authenticated is true when this request's credentials were verified
	// (false with --auth=none, or --auth=auto while MLflow has none). It is
	// decided once per request, so a mode change mid-request cannot make a
	// later check believe credentials were verified when they were not.
	Authenticated bool
}

type markKey struct{}

// WithAuthMark returns ctx carrying a mark that authenticators set with
// MarkAuthenticated, and a function reporting whether it was set.
func WithAuthMark(ctx context.Context) (context.Context, func() bool) {
	var checked bool
	return context.WithValue(ctx, markKey{}, &checked), func() bool { return checked }
}

// MarkAuthenticated records that the request's credentials were verified.
func MarkAuthenticated(ctx context.Context) {
	if p, ok := ctx.Value(markKey{}).(*bool); ok {
		*p = true
	}
}

type key struct{}

// With returns ctx carrying s.
func With(ctx context.Context, s Scope) context.Context { return context.WithValue(ctx, key{}, s) }

// From returns the request's scope; the default workspace and no user when
// none was set (e.g. in unit tests of a handler).
func From(ctx context.Context) Scope {
	if s, ok := ctx.Value(key{}).(Scope); ok {
		return s
	}
	return Scope{Workspace: DefaultWorkspace}
}
