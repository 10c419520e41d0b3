package mcpregistry

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// StatusChange is the official API's status update: {"status",
// "statusMessage"}.
type StatusChange struct {
	Status  Status
	Message *string
}

// check applies the official API's own rules to the request, before any
// version is looked at.
func (ch StatusChange) check() error {
	switch ch.Status {
	case StatusActive, StatusDeprecated, StatusDeleted:
	default:
		return mlflowerr.Invalid("Invalid status: %s. Must be one of: active, deprecated, deleted", ch.Status)
	}
	if ch.Status == StatusActive && ch.Message != nil {
		return mlflowerr.Invalid("status_message cannot be provided when setting status to active")
	}
	if ch.Message != nil && utf8.RuneCountInString(*ch.Message) > MaxStatusMessageLen {
		return mlflowerr.Invalid("statusMessage must be at most %d characters long", MaxStatusMessageLen)
	}
	return nil
}

// plan says what a change does to one version: nothing (no-op), or which
// status and message it gets. It refuses what MLflow's lifecycle forbids,
// which is stricter than the official registry: deleted is terminal (no
// restore), and an active version is deprecated before it is deleted.
func (ch StatusChange) plan(p *Published) (changes bool, err error) {
	// The stored tag, even on an active version (left from before a native
	// re-activation): a change clears it.
	cur := tagValue(p.Tags, StatusMessageTag)
	msgChanges := (cur == nil) != (ch.Message == nil) || (cur != nil && *cur != *ch.Message)
	if p.Status == ch.Status {
		return msgChanges, nil
	}
	switch {
	case p.Status == StatusDeleted:
		return false, mlflowerr.Invalid("MCP server '%s' version '%s' is deleted, and deletion is permanent in this "+
			"registry (MLflow's lifecycle has no restore): publish a new version instead", p.Name, p.Version.Version)
	case p.Status == StatusActive && ch.Status == StatusDeleted:
		return false, mlflowerr.Invalid("MCP server '%s' version '%s' is active and cannot be deleted directly: "+
			"deprecate it first (status 'deprecated'), then delete it", p.Name, p.Version.Version)
	}
	return true, CheckTransition(p.Status, ch.Status)
}

func tagValue(tags []Tag, key string) *string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return nil
}

// apply makes a planned change inside the write transaction: the message
// tag, then the status (a delete is DeleteVersion's soft delete, with its
// alias and endpoint cleanup). A message-only change still bumps
// last_updated_at, so that incremental readers (updated_since) see it.
func (r *Registry) apply(ctx context.Context, tx Tx, a actor, p *Published, ch StatusChange) error {
	ws, name, version := p.Workspace, p.Name, p.Version.Version
	if ch.Message != nil {
		if err := tx.SetVersionTag(ctx, ws, name, version, Tag{Key: StatusMessageTag, Value: ch.Message}); err != nil {
			return err
		}
	} else if _, err := tx.DeleteVersionTag(ctx, ws, name, version, StatusMessageTag); err != nil {
		return err
	}
	v := p.Version
	if ch.Status == StatusDeleted && v.Status != StatusDeleted {
		return r.softDelete(ctx, tx, &v)
	}
	statusChanges := v.Status != ch.Status
	v.Status, v.LastUpdatedAt, v.LastUpdatedBy = ch.Status, r.nowMillis(), truncateUser(a.User)
	if err := tx.UpdateVersion(ctx, &v); err != nil {
		return err
	}
	if statusChanges {
		return purgeLatestEndpoints(ctx, tx, ws, name)
	}
	return nil
}

// SetPublishedStatus changes one version's status and message in one
// transaction and returns the version as it is now (deleted included).
// Drafts are not published, so they are not found.
func (r *Registry) SetPublishedStatus(ctx context.Context, a actor, name, version string, ch StatusChange) (*Published, error) {
	if err := ch.check(); err != nil {
		return nil, err
	}
	var out *Published
	err := r.writeOfficial(ctx, a.Workspace, name, func(tx OfficialTx) error {
		p, err := tx.PublishedVersion(ctx, a.Workspace, name, version, true)
		if err != nil {
			return err
		}
		if p == nil {
			return publishedNotFound(name, version)
		}
		changes, err := ch.plan(p)
		if err != nil {
			return err
		}
		if !changes {
			return mlflowerr.Invalid("No changes to apply: status and message are already set to the provided values")
		}
		if err := r.apply(ctx, tx, a, p, ch); err != nil {
			return err
		}
		out, err = tx.PublishedVersion(ctx, a.Workspace, name, version, true)
		return err
	})
	return out, err
}

// SetAllPublishedStatus applies one change to every published version of a
// server, atomically: one transaction under the server's lock, and either
// every version that changes is changed or, when any of them may not make
// the transition, none is. Deleted versions are terminal, so they are left
// as they are, message included. It returns the versions it changed, newest
// first.
func (r *Registry) SetAllPublishedStatus(ctx context.Context, a actor, name string, ch StatusChange) ([]Published, error) {
	if err := ch.check(); err != nil {
		return nil, err
	}
	var out []Published
	err := r.writeOfficial(ctx, a.Workspace, name, func(tx OfficialTx) error {
		out = nil // the transaction may be retried: start from scratch each time
		all, err := tx.PublishedVersions(ctx, a.Workspace, name, true)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return noPublishedVersions(name)
		}
		var todo []*Published
		var refused []string
		for i := range all {
			p := &all[i]
			if p.Status == StatusDeleted {
				continue
			}
			changes, err := ch.plan(p)
			if err != nil {
				refused = append(refused, err.Error())
				continue
			}
			if changes {
				todo = append(todo, p)
			}
		}
		if len(refused) > 0 {
			return mlflowerr.Invalid("No version was changed: %s", strings.Join(refused, "; "))
		}
		if len(todo) == 0 {
			return mlflowerr.Invalid("No changes to apply: all versions already have the requested status and message")
		}
		changed := make(map[string]bool, len(todo))
		for _, p := range todo {
			if err := r.apply(ctx, tx, a, p, ch); err != nil {
				return err
			}
			changed[p.Version.Version] = true
		}
		now, err := tx.PublishedVersions(ctx, a.Workspace, name, true)
		if err != nil {
			return err
		}
		for _, p := range now {
			if changed[p.Version.Version] {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}
