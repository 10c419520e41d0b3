// Package workspaces resolves the X-MLFLOW-WORKSPACE header of a request the
// way MLflow (3.10+) does, against MLflow's own `workspaces` table.
package workspaces

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// MLflow's WorkspaceNameValidator: Kubernetes-style names.
var (
	namePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	reserved    = map[string]bool{"workspaces": true, "api": true, "ajax-api": true, "static-files": true}
)

const (
	minNameLen = 2
	maxNameLen = 63
	// cacheTTL bounds how long a deleted workspace stays usable through the
	// sidecar; lookups of unknown names are never cached, so a new
	// workspace is usable at once.
	cacheTTL     = 10 * time.Second
	maxCacheSize = 4096
)

// ValidateName applies MLflow's workspace name rules, with its messages.
func ValidateName(name string) error {
	if n := utf8.RuneCountInString(name); n < minNameLen || n > maxNameLen {
		return mlflowerr.Invalid("Workspace name '%s' must be between %d and %d characters.", name, minNameLen, maxNameLen)
	}
	if !namePattern.MatchString(name) || strings.Contains(name, "--") {
		return mlflowerr.Invalid("Workspace name '%s' must match the pattern %s "+
			"(lowercase alphanumeric with optional internal hyphens).", name, `^(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	}
	if reserved[name] {
		return mlflowerr.Invalid("Workspace name '%s' is reserved and cannot be used.", name)
	}
	return nil
}

// Resolver turns a header value into the request's workspace.
type Resolver struct {
	enabled bool
	db      *mlflowdb.DB
	now     func() time.Time

	mu    sync.Mutex
	known map[string]time.Time // workspace → when it was last seen to exist
}

// NewResolver returns a resolver; db may be nil when workspaces are off.
func NewResolver(enabled bool, db *mlflowdb.DB) *Resolver {
	return &Resolver{enabled: enabled, db: db, now: time.Now, known: map[string]time.Time{}}
}

// Enabled reports whether --enable-workspaces is on.
func (r *Resolver) Enabled() bool { return r.enabled }

// Resolve returns the workspace a request acts in. With workspaces off, a
// non-blank header is MLflow's FEATURE_DISABLED error and everything happens
// in "default". With them on, a blank header means "default"; any other name
// must be valid and exist in MLflow's workspaces table.
func (r *Resolver) Resolve(ctx context.Context, header string) (string, error) {
	name := strings.TrimSpace(header)
	if !r.enabled {
		if name != "" {
			return "", mlflowerr.FeatureDisabled("Workspace APIs are not available: workspaces are not enabled on this server")
		}
		return scope.DefaultWorkspace, nil
	}
	if name == "" || name == scope.DefaultWorkspace {
		return scope.DefaultWorkspace, nil
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	if r.cached(name) {
		return name, nil
	}
	var one int
	err := r.db.Q().QueryRow(ctx, `SELECT 1 FROM workspaces WHERE name = $1`, name).Scan(&one)
	if err == mlflowdb.ErrNoRows {
		return "", mlflowerr.NotFound("Workspace '%s' not found", name)
	}
	if err != nil {
		return "", err
	}
	r.remember(name)
	return name, nil
}

// CheckSchema verifies at start-up that MLflow's database has workspaces.
func (r *Resolver) CheckSchema(ctx context.Context) error {
	if !r.enabled {
		return nil
	}
	ok, err := mlflowdb.TableExists(ctx, r.db.Q(), "workspaces")
	if err != nil {
		return err
	}
	if !ok {
		return mlflowerr.Invalid("--enable-workspaces is set but MLflow's database has no workspaces table: " +
			"workspaces need MLflow 3.10 or later, started once with --enable-workspaces")
	}
	return nil
}

func (r *Resolver) cached(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, ok := r.known[name]
	return ok && r.now().Sub(seen) < cacheTTL
}

func (r *Resolver) remember(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.known) >= maxCacheSize {
		clear(r.known) // a burst of distinct names only costs re-lookups
	}
	r.known[name] = r.now()
}
