package tracking

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// traceState is what one call knows about a trace inside its transaction.
type traceState struct {
	id     string
	linked map[string]bool // destination ids associated now
	tag    *string         // the tag's stored value; nil when absent
}

// loadTrace checks that the trace exists in workspace ws and reads its
// associations and tag.
func (s *Service) loadTrace(ctx context.Context, q mlflowdb.Querier, ws, traceID string) (*traceState, error) {
	hasWS, err := s.probe.workspaceColumn(ctx, q, s.now())
	if err != nil {
		return nil, err
	}
	var expID int64
	traceWS := "default"
	if hasWS {
		err = q.QueryRow(ctx, traceWorkspaceSQL, traceID).Scan(&expID, &traceWS)
	} else {
		err = q.QueryRow(ctx, traceSQL, traceID).Scan(&expID)
	}
	if errors.Is(err, mlflowdb.ErrNoRows) {
		return nil, traceNotFound(traceID, ErrTraceNotFound)
	}
	if err != nil {
		return nil, err
	}
	if traceWS != ws {
		return nil, traceNotFound(traceID, ErrTraceInOtherWorkspace)
	}
	st := &traceState{id: traceID, linked: map[string]bool{}}
	ids, err := queryStrings(ctx, q, linkedIDsSQL, SourceTypeTrace, traceID, DestinationTypeServerVersion)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		st.linked[id] = true
	}
	var tag *string
	err = q.QueryRow(ctx, tagSQL, traceID, LinkedServersTag).Scan(&tag)
	if err != nil && !errors.Is(err, mlflowdb.ErrNoRows) {
		return nil, err
	}
	st.tag = tag
	return st, nil
}

// linkedRefs names the trace's associations (st.linked) in tag order: the
// entries of the stored tag that are still linked keep their place, then
// come the refs of this call in request order. Associations named by
// neither (the tag was edited by someone else) are looked up among the
// workspace's versions and appended in name, version order; an association
// whose version no longer exists at all cannot be named and is left out.
func (s *Service) linkedRefs(ctx context.Context, q mlflowdb.Querier, ws string, st *traceState, added []VersionRef) ([]VersionRef, error) {
	var current []VersionRef
	if st.tag != nil {
		current, _ = parseLinkedTag(*st.tag) // unreadable: rebuilt from the associations
	}
	seen := map[string]bool{}
	var out []VersionRef
	for _, r := range slices.Concat(current, added) {
		id := DestinationID(ws, r.Name, r.Version)
		if st.linked[id] && !seen[id] {
			seen[id] = true
			out = append(out, r)
		}
	}
	if len(seen) == len(st.linked) {
		return out, nil
	}
	rows, err := q.Query(ctx, workspaceVersionsSQL, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recovered []VersionRef
	for rows.Next() {
		var r VersionRef
		if err := rows.Scan(&r.Name, &r.Version); err != nil {
			return nil, err
		}
		if id := DestinationID(ws, r.Name, r.Version); st.linked[id] && !seen[id] {
			seen[id] = true
			recovered = append(recovered, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(recovered, func(a, b VersionRef) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return append(out, recovered...), nil
}

func queryStrings(ctx context.Context, q mlflowdb.Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
