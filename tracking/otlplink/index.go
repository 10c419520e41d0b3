package otlplink

import (
	"context"
	"sync"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// target is where an access endpoint points: a version or an alias of a
// server, resolved when a link is made, not when the index is built.
type target struct {
	name           string
	version, alias string // exactly one is set
}

// hostTarget is a target reachable at one port of a host.
type hostTarget struct {
	port string
	target
}

// wsIndex maps the access endpoints of one workspace by URL and by host.
type wsIndex struct {
	built  time.Time
	byURL  map[string][]target
	byHost map[string][]hostTarget
}

// endpointIndex caches each workspace's endpoints for ttl. Registry changes
// reach auto-linking within ttl; the versions behind an endpoint's alias are
// resolved afresh for every link.
type endpointIndex struct {
	reg *mcpregistry.Registry
	ttl time.Duration
	now func() time.Time

	mu  sync.Mutex // held while a workspace is rebuilt: one rebuild at a time
	idx map[string]*wsIndex
}

// maxIndexedWorkspaces bounds the cache; past it, stale entries go first.
const maxIndexedWorkspaces = 1024

func (x *endpointIndex) get(ctx context.Context, ws string) (*wsIndex, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now()
	if w := x.idx[ws]; w != nil && now.Sub(w.built) < x.ttl {
		return w, nil
	}
	w, err := x.build(ctx, ws, now)
	if err != nil {
		return nil, err
	}
	if len(x.idx) >= maxIndexedWorkspaces {
		for k, v := range x.idx {
			if now.Sub(v.built) >= x.ttl {
				delete(x.idx, k)
			}
		}
	}
	if len(x.idx) < maxIndexedWorkspaces {
		x.idx[ws] = w
	}
	return w, nil
}

// build reads every resolvable endpoint of the workspace through the
// registry, page by page.
func (x *endpointIndex) build(ctx context.Context, ws string, now time.Time) (*wsIndex, error) {
	w := &wsIndex{built: now, byURL: map[string][]target{}, byHost: map[string][]hostTarget{}}
	pageSize := 1000
	req := mcpregistry.EndpointSearchRequest{SearchRequest: mcpregistry.SearchRequest{MaxResults: &pageSize}}
	for {
		page, err := x.reg.SearchEndpoints(ctx, scope.Scope{Workspace: ws}, nil, req)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			key, ok := normalizeURL(e.URL)
			if !ok {
				continue
			}
			t := target{name: e.ServerName}
			if e.ServerVersion != nil {
				t.version = *e.ServerVersion
			} else if e.ServerAlias != nil {
				t.alias = *e.ServerAlias
			}
			w.byURL[key.String()] = append(w.byURL[key.String()], t)
			w.byHost[key.host] = append(w.byHost[key.host], hostTarget{port: key.port, target: t})
		}
		if page.NextPageToken == nil {
			return w, nil
		}
		req.PageToken = *page.NextPageToken
	}
}

// targets lists the endpoints a URL or host reference matches. A host
// reference without a port matches the host on any port.
func (w *wsIndex) targets(r ref) []target {
	if r.kind == refURL {
		return w.byURL[r.value]
	}
	var out []target
	for _, ht := range w.byHost[r.value] {
		if r.port == "" || ht.port == r.port {
			out = append(out, ht.target)
		}
	}
	return out
}
