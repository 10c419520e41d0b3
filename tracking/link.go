package tracking

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// MaxRefsPerCall bounds the versions one link or unlink call names, so one
// request is one short transaction.
const MaxRefsPerCall = 100

// maxTraceIDLen is the width of entity_associations.source_id: a longer
// trace id (trace_info.request_id allows 50) cannot be linked at all.
const maxTraceIDLen = 36

// Link links a trace to MCP server versions of workspace ws. The trace must
// exist in ws (its experiment's workspace); every version must exist there
// and not be deleted. Versions already linked are left alone, so linking
// twice is a no-op. Nothing is written when any item fails.
func (s *Service) Link(ctx context.Context, ws, traceID string, refs []VersionRef) error {
	now := s.now().UnixMilli()
	return s.change(ctx, "tracking.link", ws, traceID, refs, func(ctx context.Context, q mlflowdb.Querier, st *traceState, refs []VersionRef) error {
		var added []VersionRef
		for _, r := range refs {
			status, err := versionStatus(ctx, q, ws, r, true)
			if err != nil {
				return err
			}
			if status == nil || mcpregistry.Status(*status) == mcpregistry.StatusDeleted {
				return versionNotFound(r)
			}
			if id := DestinationID(ws, r.Name, r.Version); !st.linked[id] {
				st.linked[id] = true
				added = append(added, r)
			}
		}
		if err := s.writeTag(ctx, q, ws, st, added); err != nil {
			return err
		}
		for _, r := range added {
			if _, err := q.Exec(ctx, insertLinkSQL, s.newID(), SourceTypeTrace, traceID,
				DestinationTypeServerVersion, DestinationID(ws, r.Name, r.Version), now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Unlink removes links of a trace. Each version must exist in ws (deleted
// ones included, so that links to them can be removed); versions that are
// not linked are left alone. Nothing is written when any item fails.
func (s *Service) Unlink(ctx context.Context, ws, traceID string, refs []VersionRef) error {
	return s.change(ctx, "tracking.unlink", ws, traceID, refs, func(ctx context.Context, q mlflowdb.Querier, st *traceState, refs []VersionRef) error {
		var removed []string
		for _, r := range refs {
			status, err := versionStatus(ctx, q, ws, r, true)
			if err != nil {
				return err
			}
			if status == nil {
				return versionNotFound(r)
			}
			if id := DestinationID(ws, r.Name, r.Version); st.linked[id] {
				delete(st.linked, id)
				removed = append(removed, id)
			}
		}
		if err := s.writeTag(ctx, q, ws, st, nil); err != nil {
			return err
		}
		for _, id := range removed {
			if _, err := q.Exec(ctx, deleteLinkSQL, SourceTypeTrace, traceID, DestinationTypeServerVersion, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// change runs one link or unlink: a span, the checks that need no database,
// then apply in one write transaction locked on the trace, after the trace
// was found in ws. apply may run more than once (see mlflowdb.DB.Write).
func (s *Service) change(ctx context.Context, spanName, ws, traceID string, refs []VersionRef,
	apply func(ctx context.Context, q mlflowdb.Querier, st *traceState, refs []VersionRef) error) (err error) {
	ctx, span := s.startSpan(ctx, spanName, ws, traceID, refs)
	defer func() { endSpan(span, err) }()
	refs, err = checkCall(traceID, refs)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(q mlflowdb.Querier) error {
		st, err := s.loadTrace(ctx, q, ws, traceID)
		if err != nil {
			return err
		}
		return apply(ctx, q, st, refs)
	}, lockKey(traceID))
}

// checkCall validates what needs no database and drops repeated items.
func checkCall(traceID string, refs []VersionRef) ([]VersionRef, error) {
	if n := utf8.RuneCountInString(traceID); n > maxTraceIDLen {
		return nil, mlflowerr.Invalid("trace_id '%s' is %d characters long; traces with ids over %d characters cannot be linked",
			traceID, n, maxTraceIDLen)
	}
	if len(refs) > MaxRefsPerCall {
		return nil, mlflowerr.Invalid("mcp_server_versions must name at most %d versions per call, got %d", MaxRefsPerCall, len(refs))
	}
	seen := make(map[VersionRef]bool, len(refs))
	out := refs[:0:0]
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// versionStatus returns the version's status (nil when there is no such
// row); with lock, the row stays locked on PostgreSQL until the transaction
// ends (read-only transactions cannot lock).
func versionStatus(ctx context.Context, q mlflowdb.Querier, ws string, r VersionRef, lock bool) (*string, error) {
	query := versionStatusSQL
	if lock && q.Dialect() == mlflowdb.Postgres {
		query = versionStatusPGSQL
	}
	var status string
	err := q.QueryRow(ctx, query, ws, r.Name, r.Version).Scan(&status)
	if errors.Is(err, mlflowdb.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &status, nil
}

// writeTag brings the tag in line with st.linked: rewritten when its value
// changes, deleted when nothing is linked. A value over MLflow's limit is
// refused before anything is written.
func (s *Service) writeTag(ctx context.Context, q mlflowdb.Querier, ws string, st *traceState, added []VersionRef) error {
	refs, err := s.linkedRefs(ctx, q, ws, st, added)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		if st.tag == nil {
			return nil
		}
		_, err := q.Exec(ctx, deleteTagSQL, LinkedServersTag, st.id)
		return err
	}
	value := renderLinkedTag(refs)
	if len(value) > MaxTagValueLen { // ASCII only: bytes are characters
		return mlflowerr.Invalid("Cannot link trace '%s' to these MCP server versions: its tag '%s' would be %d characters long, "+
			"over MLflow's limit of %d characters for a trace tag value; unlink versions it no longer needs first",
			st.id, LinkedServersTag, len(value), MaxTagValueLen)
	}
	if st.tag != nil && *st.tag == value {
		return nil
	}
	_, err = q.Exec(ctx, upsertTagSQL, LinkedServersTag, value, st.id)
	return err
}
