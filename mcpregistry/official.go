package mcpregistry

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// The official MCP registry API (/v0.1, served by mcpregistry/officialapi)
// shows the registry as published versions: every version of a server
// except drafts, which are unpublished work and never visible there. Its
// rules live here so that both APIs share one lifecycle.

// StatusMessageTag is the version tag that holds the official API's
// statusMessage. MLflow's tables have no column for it, and a tag keeps the
// message in MLflow's own data, visible to the native API and its UI.
const StatusMessageTag = "mcp.registry.statusMessage"

// MaxStatusMessageLen is the official API's limit on statusMessage.
const MaxStatusMessageLen = 500

// Published is a version as the official API shows it.
type Published struct {
	VersionView
	// IsLatest: this is the version the registry's "latest" resolves to
	// (LatestOrder over the server's non-deleted versions, drafts included).
	IsLatest bool
	// ServerTags are the tags of the version's server, sorted by key.
	ServerTags []Tag
	// Endpoints are the access endpoints that resolve to this version now
	// (directly, through an alias, or through "latest"), by id.
	Endpoints []Endpoint
}

// StatusMessage is the message stored with the current status. An active
// version has none: the official API clears it on activation, and a message
// left from an earlier deprecation (the native API does not know the tag)
// no longer describes the version.
func (p *Published) StatusMessage() *string {
	if p.Status == StatusActive {
		return nil
	}
	return tagValue(p.Tags, StatusMessageTag)
}

// PublishedPosition is a keyset position in the official list order, which
// is the official registry's: server name, then version string.
type PublishedPosition struct {
	Name, Version string
}

// PublishedQuery selects a page of the official list.
type PublishedQuery struct {
	// Search keeps names containing it, case-insensitively.
	Search *string
	// UpdatedAfter keeps versions whose last_updated_at (epoch ms) is
	// greater.
	UpdatedAfter *int64
	// Version keeps one exact version string.
	Version *string
	// LatestOnly keeps the version "latest" resolves to.
	LatestOnly bool
	// IncludeDeleted also lists deleted versions.
	IncludeDeleted bool
	Limit          int
	// After is the position the page starts after; nil for the first page.
	After *PublishedPosition
}

// OfficialTx is what the official API reads inside a transaction. The
// store's Tx implements it; it is a separate interface so that the native
// API's Tx stays as it is.
type OfficialTx interface {
	Tx
	// ListPublished returns at most q.Limit versions in (name, version)
	// order and the position of the last one when more follow.
	ListPublished(ctx context.Context, ws string, q PublishedQuery) ([]Published, *PublishedPosition, error)
	// PublishedVersions lists a server's published versions, newest
	// created_at first.
	PublishedVersions(ctx context.Context, ws, name string, includeDeleted bool) ([]Published, error)
	// PublishedVersion returns one published version; nil when missing, a
	// draft, or deleted without includeDeleted.
	PublishedVersion(ctx context.Context, ws, name, version string, includeDeleted bool) (*Published, error)
	// PublishedLatest returns the version "latest" resolves to, nil when
	// there is none or it is a draft.
	PublishedLatest(ctx context.Context, ws, name string) (*Published, error)
}

var errNoOfficialTx = errors.New("mcpregistry: the store's transactions do not implement OfficialTx")

func officialTx(tx Tx) (OfficialTx, error) {
	if o, ok := tx.(OfficialTx); ok {
		return o, nil
	}
	return nil, errNoOfficialTx
}

func (r *Registry) readOfficial(ctx context.Context, fn func(OfficialTx) error) error {
	return r.read(ctx, func(tx Tx) error {
		o, err := officialTx(tx)
		if err != nil {
			return err
		}
		return fn(o)
	})
}

func (r *Registry) writeOfficial(ctx context.Context, ws, name string, fn func(OfficialTx) error) error {
	return r.write(ctx, ws, name, func(tx Tx) error {
		o, err := officialTx(tx)
		if err != nil {
			return err
		}
		return fn(o)
	})
}

func publishedNotFound(name, version string) error {
	return mlflowerr.NotFound("MCP server '%s' has no published version '%s'", name, version)
}

func noPublishedVersions(name string) error {
	return mlflowerr.NotFound("MCP server '%s' has no published versions", name)
}

// ListPublished returns one page of the official list.
func (r *Registry) ListPublished(ctx context.Context, a actor, q PublishedQuery) ([]Published, *PublishedPosition, error) {
	if q.Limit < 1 {
		return nil, nil, errors.New("mcpregistry: ListPublished needs a positive limit")
	}
	var items []Published
	var next *PublishedPosition
	err := r.readOfficial(ctx, func(tx OfficialTx) error {
		var err error
		items, next, err = tx.ListPublished(ctx, a.Workspace, q)
		return err
	})
	return items, next, err
}

// PublishedVersions lists a server's published versions, newest first; a
// server without any is not found.
func (r *Registry) PublishedVersions(ctx context.Context, a actor, name string, includeDeleted bool) ([]Published, error) {
	var items []Published
	err := r.readOfficial(ctx, func(tx OfficialTx) error {
		var err error
		items, err = tx.PublishedVersions(ctx, a.Workspace, name, includeDeleted)
		return err
	})
	if err == nil && len(items) == 0 {
		err = noPublishedVersions(name)
	}
	return items, err
}

// GetPublished returns one published version; the version "latest" is the
// registry's latest resolution, which is never deleted.
func (r *Registry) GetPublished(ctx context.Context, a actor, name, version string, includeDeleted bool) (*Published, error) {
	var p *Published
	err := r.readOfficial(ctx, func(tx OfficialTx) error {
		var err error
		if version == LatestAlias {
			p, err = tx.PublishedLatest(ctx, a.Workspace, name)
		} else {
			p, err = tx.PublishedVersion(ctx, a.Workspace, name, version, includeDeleted)
		}
		return err
	})
	if err == nil && p == nil {
		err = publishedNotFound(name, version)
	}
	return p, err
}

// Publish registers a server.json as an active version, with every check of
// CreateVersion, and returns it as published. The name comes from the
// document; a document without one fails CreateVersion's validation.
func (r *Registry) Publish(ctx context.Context, a actor, serverJSON json.RawMessage) (*Published, error) {
	var doc struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(serverJSON, &doc) // CreateVersion reports a malformed document
	active := string(StatusActive)
	v, err := r.CreateVersion(ctx, a, doc.Name, CreateVersionInput{ServerJSON: serverJSON, Status: &active})
	if err != nil {
		return nil, err
	}
	var p *Published
	err = r.readOfficial(ctx, func(tx OfficialTx) error {
		var err error
		p, err = tx.PublishedVersion(ctx, a.Workspace, v.Name, v.Version.Version, true)
		return err
	})
	if err == nil && p == nil {
		// Deleted outright between the two transactions (a server delete).
		err = publishedNotFound(v.Name, v.Version.Version)
	}
	return p, err
}
