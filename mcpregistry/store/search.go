package store

import (
	"context"
	"fmt"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

func (t *tx) SearchServers(ctx context.Context, ws string, q mcpregistry.Query) ([]mcpregistry.ServerView, []search.Value, error) {
	if err := t.view(); err != nil {
		return nil, nil, err
	}
	b := newBuilder(t.dialect())
	b.sql(serverHead)
	b.arg(ws)
	return searchPage(ctx, t, b, false, search.Servers, q, t.stmts().serverTail, scanServerView,
		func(s *mcpregistry.ServerView, k search.OrderKey) []search.Value {
			if ts, ok := timestampValue(k, s.CreatedAt, s.LastUpdatedAt); ok {
				return ts
			}
			return []search.Value{search.StringValue(s.Name)}
		})
}

func (t *tx) SearchVersions(ctx context.Context, ws, name string, q mcpregistry.Query) ([]mcpregistry.VersionView, []search.Value, error) {
	mustFind, err := t.scoped(ws, name)
	if err != nil {
		return nil, nil, err
	}
	b := newBuilder(t.dialect())
	b.sql(versionHead)
	b.arg(ws)
	b.arg(name)
	return searchPage(ctx, t, b, mustFind, search.Versions, q, t.stmts().versionTail, scanVersionView,
		func(v *mcpregistry.VersionView, k search.OrderKey) []search.Value {
			if ts, ok := timestampValue(k, v.CreatedAt, v.LastUpdatedAt); ok {
				return ts
			}
			if k == search.OrderSemVer {
				return []search.Value{search.IntValue(v.Major), search.IntValue(v.Minor), search.IntValue(v.Patch),
					search.StringValue(v.PrereleaseSortKey)}
			}
			return []search.Value{search.StringValue(v.Version.Version)}
		})
}

// SearchEndpoints lists resolvable endpoints only. The page CTE tests
// resolvability and the status filter without resolving "latest" (see
// resolvable, resolvedStatus), so a filter or an order that scans many
// endpoints stays cheap; the tail resolves the page's rows, in the same
// statement, so the same snapshot.
func (t *tx) SearchEndpoints(ctx context.Context, ws string, q mcpregistry.EndpointQuery) ([]mcpregistry.EndpointView, []search.Value, error) {
	if q.ServerVersion != nil && q.ServerAlias != nil {
		// An endpoint targets a version or an alias, never both.
		return []mcpregistry.EndpointView{}, nil, nil
	}
	mustFind, err := false, t.view()
	if q.ServerName != nil {
		mustFind, err = t.scoped(ws, *q.ServerName)
	}
	if err != nil {
		return nil, nil, err
	}
	b := newBuilder(t.dialect())
	b.sql(t.stmts().endpointHead, b.arg(ws))
	for _, f := range []struct {
		col string
		val *string
	}{{"e.server_name", q.ServerName}, {"e.server_version", q.ServerVersion}, {"e.server_alias", q.ServerAlias}} {
		if f.val != nil {
			b.sql(" AND ", f.col, " = ", b.arg(*f.val))
		}
	}
	return searchPage(ctx, t, b, mustFind, search.Endpoints, q.Query, t.stmts().endpointTail, scanEndpointView,
		func(e *mcpregistry.EndpointView, k search.OrderKey) []search.Value {
			if ts, ok := timestampValue(k, e.CreatedAt, e.LastUpdatedAt); ok {
				return ts
			}
			if k == search.OrderServerName {
				return []search.Value{search.StringValue(e.ServerName)}
			}
			return []search.Value{search.StringValue(e.ID)}
		})
}

// searchPage completes the page CTE b has begun (its scope conditions) with
// the filter, the keyset predicate, the order and Limit+1, then shows the
// rows with tail. The extra row only tells whether a next page exists. An
// empty page is no answer when mustFind (see autocommit).
func searchPage[T any](ctx context.Context, t *tx, b *builder, mustFind bool, res search.Resource, q mcpregistry.Query, tail string,
	scan func(mlflowdb.Rows) (T, error), values func(*T, search.OrderKey) []search.Value) ([]T, []search.Value, error) {
	if q.Limit < 1 {
		return nil, nil, fmt.Errorf("store: search limit %d", q.Limit)
	}
	cols, err := orderColumns(b.d, res, q.Order)
	if err != nil {
		return nil, nil, err
	}
	if err := whereFilter(b, res, q.Filter); err != nil {
		return nil, nil, err
	}
	if q.After != nil {
		after, err := keyset(b, cols, q.After)
		if err != nil {
			return nil, nil, err
		}
		b.sql(" AND ", after)
	}
	order := orderBySQL(cols)
	b.sql(" ORDER BY ", order, " LIMIT ", b.arg(int64(q.Limit)+1), ") ", tail, " ORDER BY ", order)
	items, err := collect(ctx, t.q, b.String(), b.args, scan)
	if err == nil && mustFind && len(items) == 0 {
		err = errNeedSnapshot
	}
	if err != nil || len(items) <= q.Limit {
		return items, nil, err
	}
	items = items[:q.Limit]
	last := &items[q.Limit-1]
	return items, position(q.Order, func(k search.OrderKey) []search.Value { return values(last, k) }), nil
}

// timestampValue is the position value of the order keys every resource has.
func timestampValue(k search.OrderKey, created, updated int64) ([]search.Value, bool) {
	switch k {
	case search.OrderCreatedAt:
		return []search.Value{search.IntValue(created)}, true
	case search.OrderLastUpdatedAt:
		return []search.Value{search.IntValue(updated)}, true
	}
	return nil, false
}
