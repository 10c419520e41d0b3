package officialapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	apiv0 "github.com/modelcontextprotocol/registry/pkg/api/v0"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// The list parameters' rules are the official server's (handlers/v0/
// servers.go, huma tags): the same mistakes get the same status codes.
const (
	defaultLimit = 30
	maxLimit     = 100
	minSearch    = 3
)

// cursorFingerprint binds cursors to the list of one workspace. The order
// is always (name, version) and a position means the same thing under any
// filter, so filters may change between pages, as on the official server
// (which asks clients to keep them, but does not check).
func cursorFingerprint(ws string) search.Fingerprint {
	return search.Fingerprint{
		Resource: search.Versions, Workspace: ws,
		Order:  []search.OrderTerm{{Key: search.OrderName}, {Key: search.OrderVersionString}},
		Params: map[string]string{"api": "official/servers"},
	}
}

func encodeCursor(ws string, p *mcpregistry.PublishedPosition) (string, error) {
	if p == nil {
		return "", nil
	}
	return search.EncodeToken(cursorFingerprint(ws), []search.Value{search.StringValue(p.Name), search.StringValue(p.Version)})
}

func decodeCursor(ws, cursor string) (*mcpregistry.PublishedPosition, error) {
	pos, err := search.DecodeToken(cursor, cursorFingerprint(ws))
	if err != nil {
		return nil, newProblem(http.StatusBadRequest, "Invalid cursor: pass the nextCursor of a previous response "+
			"(same workspace) unchanged", &ErrorDetail{Message: err.Error(), Location: "query.cursor", Value: cursor})
	}
	if pos == nil {
		return nil, nil
	}
	return &mcpregistry.PublishedPosition{Name: pos[0].Str, Version: pos[1].Str}, nil
}

// queryParams collects huma-style parameter findings (one 422 for all).
type queryParams struct {
	q    url.Values
	errs []*ErrorDetail
}

func (p *queryParams) add(name, msg string, value any) {
	p.errs = append(p.errs, &ErrorDetail{Message: msg, Location: "query." + name, Value: value})
}

// boolean parses an optional boolean; set is false when absent or empty.
func (p *queryParams) boolean(name string) (value, set bool) {
	raw := p.q.Get(name)
	if raw == "" {
		return false, false
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		p.add(name, "invalid boolean", raw)
		return false, false
	}
	return v, true
}

func (p *queryParams) limit() int {
	raw := p.q.Get("limit")
	if raw == "" {
		return defaultLimit
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil:
		p.add("limit", "invalid integer", raw)
	case n < 1:
		p.add("limit", "expected number >= 1", n)
	case n > maxLimit:
		p.add("limit", "expected number <= "+strconv.Itoa(maxLimit), n)
	default:
		return int(n)
	}
	return defaultLimit
}

func (p *queryParams) failed() error {
	if len(p.errs) == 0 {
		return nil
	}
	return validationFailed(p.errs...)
}

// listQuery validates GET /servers's parameters in the official server's
// order: parameter types and ranges (422), updated_since (400), search
// (422), include_deleted against updated_since (400); then the cursor.
func listQuery(r *http.Request, ws string) (mcpregistry.PublishedQuery, error) {
	p := &queryParams{q: r.URL.Query()}
	q := mcpregistry.PublishedQuery{Limit: p.limit()}
	includeDeleted, includeSet := p.boolean("include_deleted")
	if err := p.failed(); err != nil {
		return q, err
	}
	if raw := p.q.Get("updated_since"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return q, newProblem(http.StatusBadRequest,
				"Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)")
		}
		// last_updated_at is in milliseconds: "after t" is "after t's
		// millisecond" whatever finer digits t has.
		ms := t.UnixMilli()
		q.UpdatedAfter = &ms
	}
	if s := p.q.Get("search"); s != "" {
		if utf8.RuneCountInString(strings.TrimSpace(s)) < minSearch {
			return q, newProblem(http.StatusUnprocessableEntity,
				"search must contain at least 3 characters after trimming surrounding whitespace")
		}
		q.Search = &s
	}
	switch v := p.q.Get("version"); v {
	case "":
	case mcpregistry.LatestAlias:
		q.LatestOnly = true
	default:
		q.Version = &v
	}
	q.IncludeDeleted = includeDeleted
	if q.UpdatedAfter != nil {
		// An incremental sync must learn about deletions.
		if includeSet && !includeDeleted {
			return q, newProblem(http.StatusBadRequest,
				"Cannot set include_deleted=false when using updated_since (incremental sync requires deleted servers)")
		}
		q.IncludeDeleted = true
	}
	after, err := decodeCursor(ws, p.q.Get("cursor"))
	q.After = after
	return q, err
}

func (h *Handler) listServers(w http.ResponseWriter, r *http.Request, _ []string) {
	a := scope.From(r.Context())
	q, err := listQuery(r, a.Workspace)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	page, next, err := h.reg.ListPublished(r.Context(), a, q)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	cursor, err := encodeCursor(a.Workspace, next)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, ServerListResponse{Servers: items(page), Metadata: apiv0.Metadata{NextCursor: cursor, Count: len(page)}})
}

// includeDeleted reads the detail routes' include_deleted (default false).
func includeDeleted(r *http.Request) (bool, error) {
	p := &queryParams{q: r.URL.Query()}
	v, _ := p.boolean("include_deleted")
	return v, p.failed()
}

func (h *Handler) listVersions(w http.ResponseWriter, r *http.Request, params []string) {
	incl, err := includeDeleted(r)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	vs, err := h.reg.PublishedVersions(r.Context(), scope.From(r.Context()), params[0], incl)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, ServerListResponse{Servers: items(vs), Metadata: apiv0.Metadata{Count: len(vs)}})
}

func (h *Handler) getVersion(w http.ResponseWriter, r *http.Request, params []string) {
	incl, err := includeDeleted(r)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	p, err := h.reg.GetPublished(r.Context(), scope.From(r.Context()), params[0], params[1], incl)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, item(p))
}
