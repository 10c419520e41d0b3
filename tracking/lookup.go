package tracking

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Page sizes of the trace listings. A page costs a sort of every link of
// the listed versions (MLflow's entity_associations has no time column to
// page on), so the cap is well below the registry's searches.
const (
	DefaultMaxResults = 100
	MaxResults        = 1000
)

// PageRequest is the query of a trace listing.
type PageRequest struct {
	MaxResults *int // nil: DefaultMaxResults
	PageToken  string
}

// TraceLink is one trace linked to one version.
type TraceLink struct {
	TraceID      string
	ExperimentID string
	TimestampMs  int64
	Status       string
	Version      VersionRef
}

// TracePage is one page of a listing, newest trace first.
type TracePage struct {
	Items         []TraceLink
	NextPageToken *string
	next          []search.Value // keyset position of the last item, before encoding
}

// VersionsForTrace returns the versions linked to a trace of workspace ws, in
// link order, as the registry shows them (aliases and tags included).
// Deleted versions are included, with their status, so that a trace still
// tells which version served it; links whose version no longer exists at all
// (its server was deleted) are left out.
func (s *Service) VersionsForTrace(ctx context.Context, ws, traceID string) ([]mcpregistry.VersionView, error) {
	var refs []VersionRef
	err := s.db.Read(ctx, func(q mlflowdb.Querier) error {
		st, err := s.loadTrace(ctx, q, ws, traceID)
		if err != nil {
			return err
		}
		refs, err = s.linkedRefs(ctx, q, ws, st, nil)
		return err
	})
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	views := make([]mcpregistry.VersionView, 0, len(refs))
	err = s.store.Read(ctx, func(tx mcpregistry.Tx) error {
		views = views[:0]
		for _, r := range refs {
			v, err := tx.VersionView(ctx, ws, r.Name, r.Version, true)
			if err != nil {
				return err
			}
			if v != nil {
				views = append(views, *v)
			}
		}
		return nil
	})
	return views, err
}

// TracesForVersion lists the traces linked to one version of workspace ws,
// deleted versions included (their history stays visible).
func (s *Service) TracesForVersion(ctx context.Context, ws, name, version string, req PageRequest) (*TracePage, error) {
	limit, err := checkMaxResults(req.MaxResults)
	if err != nil {
		return nil, err
	}
	fp := listFingerprint(ws, name, &version)
	after, err := search.DecodeToken(req.PageToken, fp)
	if err != nil {
		return nil, err
	}
	var page *TracePage
	err = s.db.Read(ctx, func(q mlflowdb.Querier) error {
		status, err := versionStatus(ctx, q, ws, VersionRef{Name: name, Version: version}, false)
		if err != nil {
			return err
		}
		if status == nil {
			return versionNotFound(VersionRef{Name: name, Version: version})
		}
		ids := map[string]VersionRef{DestinationID(ws, name, version): {Name: name, Version: version}}
		page, err = s.list(ctx, q, ws, ids, after, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, s.finishPage(page, fp)
}

// TracesForServer lists the traces linked to any version of one server of
// workspace ws; a trace linked to two of its versions appears once per
// version.
func (s *Service) TracesForServer(ctx context.Context, ws, name string, req PageRequest) (*TracePage, error) {
	limit, err := checkMaxResults(req.MaxResults)
	if err != nil {
		return nil, err
	}
	fp := listFingerprint(ws, name, nil)
	after, err := search.DecodeToken(req.PageToken, fp)
	if err != nil {
		return nil, err
	}
	var page *TracePage
	err = s.db.Read(ctx, func(q mlflowdb.Querier) error {
		var n int64
		if err := q.QueryRow(ctx, serverExistsSQL, ws, name).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return serverNotFound(name)
		}
		versions, err := queryStrings(ctx, q, serverVersionsSQL, ws, name)
		if err != nil {
			return err
		}
		ids := make(map[string]VersionRef, len(versions))
		for _, v := range versions {
			ids[DestinationID(ws, name, v)] = VersionRef{Name: name, Version: v}
		}
		page, err = s.list(ctx, q, ws, ids, after, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, s.finishPage(page, fp)
}

// listKeyset is the keyset of the listings: (timestamp_ms DESC, request_id
// DESC, destination_id DESC). The token codec only needs each term's value
// kind: OrderCreatedAt stands for the integer timestamp_ms, the other two
// keys are strings.
var listKeyset = []search.OrderTerm{
	{Key: search.OrderCreatedAt, Desc: true},
	{Key: "trace_id", Desc: true},
	{Key: "destination_id", Desc: true},
}

// listFingerprint binds page tokens to one listing. The scope starts with a
// NUL, which no server name contains, so no registry search token fits.
func listFingerprint(ws, name string, version *string) search.Fingerprint {
	scope := "\x00traces\x00" + name
	if version != nil {
		scope += "\x00" + *version
	}
	return search.Fingerprint{Resource: search.Versions, Workspace: ws, Scope: scope, Order: listKeyset}
}

func checkMaxResults(n *int) (int, error) {
	if n == nil {
		return DefaultMaxResults, nil
	}
	if *n < 1 {
		return 0, mlflowerr.Invalid("Invalid value for request parameter max_results. It must be a positive integer, but got %d", *n)
	}
	if *n > MaxResults {
		return 0, mlflowerr.Invalid("Invalid value for request parameter max_results. It must be at most %d, but got %d", MaxResults, *n)
	}
	return *n, nil
}

// list runs the listing query for the destination ids; the page holds
// limit items and, when more follow, the position of its last one in
// NextPageToken (raw, encoded by finishPage).
func (s *Service) list(ctx context.Context, q mlflowdb.Querier, ws string, ids map[string]VersionRef, after []search.Value, limit int) (*TracePage, error) {
	page := &TracePage{Items: []TraceLink{}}
	if len(ids) == 0 {
		return page, nil
	}
	hasWS, err := s.probe.workspaceColumn(ctx, q, s.now())
	if err != nil {
		return nil, err
	}
	idList := make([]string, 0, len(ids))
	for id := range ids {
		idList = append(idList, id)
	}
	args := []any{ws, DestinationTypeServerVersion, SourceTypeTrace, idArg(q.Dialect(), idList)}
	if after != nil {
		args = append(args, after[0].Int, after[1].Str, after[2].Str)
	}
	args = append(args, int64(limit+1))
	rows, err := q.Query(ctx, listSQL(q.Dialect(), hasWS, after != nil), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var destIDs []string
	for rows.Next() {
		var it TraceLink
		var expID int64
		var dest string
		if err := rows.Scan(&it.TraceID, &expID, &it.TimestampMs, &it.Status, &dest); err != nil {
			return nil, err
		}
		it.ExperimentID, it.Version = strconv.FormatInt(expID, 10), ids[dest]
		page.Items = append(page.Items, it)
		destIDs = append(destIDs, dest)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Items) > limit {
		last := page.Items[limit-1]
		page.Items = page.Items[:limit]
		page.next = []search.Value{search.IntValue(last.TimestampMs), search.StringValue(last.TraceID), search.StringValue(destIDs[limit-1])}
	}
	return page, nil
}

// idArg passes the id list as a text[] (PostgreSQL) or a JSON array for
// json_each (SQLite), so that the statement text never depends on the count.
func idArg(d mlflowdb.Dialect, ids []string) any {
	if d == mlflowdb.Postgres {
		return ids
	}
	b, _ := json.Marshal(ids) // []string always marshals
	return string(b)
}

// listSQL assembles the listing statement from constant fragments.
func listSQL(d mlflowdb.Dialect, hasWS, after bool) string {
	sql := listSelect
	if hasWS {
		sql += listWorkspaceJoin
	} else {
		sql += listDefaultOnly
	}
	if d == mlflowdb.Postgres {
		sql += listWherePG
	} else {
		sql += listWhereSQLite
	}
	if after {
		return sql + listAfter + listOrder + listLimitAfter
	}
	return sql + listOrder + listLimitFirst
}

func (s *Service) finishPage(page *TracePage, fp search.Fingerprint) error {
	if page.next == nil {
		return nil
	}
	tok, err := search.EncodeToken(fp, page.next)
	if err != nil {
		return err
	}
	page.NextPageToken = &tok
	return nil
}
