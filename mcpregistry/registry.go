package mcpregistry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// Config wires a Registry.
type Config struct {
	Store Store
	// Clock gives "now"; time.Now when nil.
	Clock func() time.Time
	// NewEndpointID returns a fresh endpoint id; MLflow's format ("ae-" and
	// 32 hex digits of a random UUID) when nil.
	NewEndpointID func() string
	// Icons validates icon lists (URL scheme, public address, domains).
	Icons *mcpspec.IconPolicy
	// ServerJSON selects how strictly server.json documents are validated.
	ServerJSON mcpspec.ServerJSONOptions
}

// Registry is the MCP server registry service: every rule of the registry is
// applied here, every call is one transaction of the Store.
type Registry struct {
	store  Store
	now    func() time.Time
	newID  func() string
	icons  *mcpspec.IconPolicy
	sjOpts mcpspec.ServerJSONOptions
}

// New returns a Registry.
func New(cfg Config) *Registry {
	r := &Registry{store: cfg.Store, now: cfg.Clock, newID: cfg.NewEndpointID, icons: cfg.Icons, sjOpts: cfg.ServerJSON}
	if r.now == nil {
		r.now = time.Now
	}
	if r.newID == nil {
		r.newID = NewEndpointID
	}
	if r.icons == nil {
		r.icons = &mcpspec.IconPolicy{} // MLflow's defaults: https only, public addresses
	}
	return r
}

// NewEndpointID returns an id in MLflow's format: "ae-" + uuid4().hex.
func NewEndpointID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	return "ae-" + hex.EncodeToString(b[:])
}

func (r *Registry) nowMillis() int64 { return r.now().UnixMilli() }

// actor is the caller: the workspace every operation is confined to and the
// user recorded in created_by/last_updated_by.
type actor = scope.Scope

// read runs fn in a read transaction.
func (r *Registry) read(ctx context.Context, fn func(Tx) error) error { return r.store.Read(ctx, fn) }

// write runs fn in a write transaction locked on one server.
func (r *Registry) write(ctx context.Context, ws, name string, fn func(Tx) error) error {
	return r.store.Write(ctx, ws, name, fn)
}
