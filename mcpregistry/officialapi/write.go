package officialapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// authorizeWrite admits a write. With authentication on, the sidecar's
// middleware has already checked the caller's credentials (the publisher's
// Bearer header is then an MLflow credential), exactly as for the native
// API. Without it, a write needs one of our anonymous tokens, as a write to
// the official registry needs its JWT.
func (h *Handler) authorizeWrite(r *http.Request) error {
	if scope.From(r.Context()).Authenticated {
		return nil // the middleware verified this request's credentials
	}
	switch h.opt.Auth() {
	case AuthOn:
		// Authentication is on now but this request's credentials were not
		// verified (the mode changed while it was in flight): refuse.
		return newProblem(http.StatusUnauthorized, "Authentication is required; retry the request")
	case AuthUnknown:
		return errAuthUnknown
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		return validationFailed(&ErrorDetail{Message: "required header parameter is missing", Location: "header.Authorization"})
	}
	const bearer = "Bearer "
	if len(header) < len(bearer) || !strings.EqualFold(header[:len(bearer)], bearer) {
		return newProblem(http.StatusUnauthorized, "Invalid Authorization header format. Expected 'Bearer <token>'")
	}
	if err := h.sign.verify(header[len(bearer):]); err != nil {
		// Why the token failed (signature, expiry) stays out of the answer.
		return newProblem(http.StatusUnauthorized, "Invalid or expired Registry JWT token")
	}
	return nil
}

var errAuthUnknown = mlflowerr.Unavailable(
	"The sidecar cannot tell yet whether MLflow requires authentication (MLflow is not answering). Retry shortly.")

// anonymousToken is POST /auth/none.
func (h *Handler) anonymousToken(w http.ResponseWriter, r *http.Request, _ []string) {
	switch h.opt.Auth() {
	case AuthOn:
		h.fail(w, r, newProblem(http.StatusForbidden, "Anonymous tokens are refused: this registry requires "+
			"authentication. Publish with the credentials MLflow's own API accepts (sent in the Authorization "+
			"header with every request), not with a registry token."), "")
		return
	case AuthUnknown:
		h.fail(w, r, errAuthUnknown, "")
		return
	}
	tok, err := h.sign.issue()
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, tok)
}

// readBody reads a request body that must be a JSON object, answering as
// huma does: no body 400, unparsable 400, not an object 422, over the
// limit 413.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, newProblem(http.StatusRequestEntityTooLarge,
				"request body is too large limit="+strconv.FormatInt(tooLarge.Limit, 10)+" bytes")
		}
		return nil, newProblem(http.StatusBadRequest, "could not read the request body", &ErrorDetail{Message: err.Error()})
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, newProblem(http.StatusBadRequest, "request body is required")
	}
	// Syntax and nesting are checked with a streaming tokenizer first:
	// decoding a hostile 16 MiB body into `any` costs gigabytes.
	if err := wire.CheckJSON(body); err != nil {
		return nil, newProblem(http.StatusBadRequest, "validation failed", &ErrorDetail{Message: err.Error(), Location: "body"})
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		kind := strings.TrimSpace(string(body))
		if len(kind) > 32 {
			kind = kind[:32] + "..."
		}
		return nil, validationFailed(&ErrorDetail{Message: "expected object", Location: "body", Value: kind})
	}
	return body, nil
}

// publish is POST /publish: the server.json becomes an active version, with
// the native API's validation (Registry.CreateVersion).
func (h *Handler) publish(w http.ResponseWriter, r *http.Request, _ []string) {
	if err := h.authorizeWrite(r); err != nil {
		h.fail(w, r, err, "")
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	p, err := h.reg.Publish(r.Context(), scope.From(r.Context()), body)
	if err != nil {
		h.fail(w, r, err, "Failed to publish server")
		return
	}
	h.ok(w, r, item(p))
}

// statusBody decodes {"status","statusMessage"} with the official server's
// declared rules (required status from the enum, message of at most 500
// characters, no other properties), each broken rule a 422 finding.
func statusBody(r *http.Request) (mcpregistry.StatusChange, error) {
	body, err := readBody(r)
	if err != nil {
		return mcpregistry.StatusChange{}, err
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields) // readBody checked it is an object
	var errs []*ErrorDetail
	var ch mcpregistry.StatusChange
	str := func(name string) (string, bool) {
		var s string
		if err := json.Unmarshal(fields[name], &s); err != nil {
			errs = append(errs, &ErrorDetail{Message: "expected string", Location: "body." + name, Value: fields[name]})
			return "", false
		}
		return s, true
	}
	// Sorted, so that the findings come in a stable order.
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[name]
		switch name {
		case "status":
			if s, ok := str(name); ok {
				switch mcpregistry.Status(s) {
				case mcpregistry.StatusActive, mcpregistry.StatusDeprecated, mcpregistry.StatusDeleted:
					ch.Status = mcpregistry.Status(s)
				default:
					errs = append(errs, &ErrorDetail{Message: `expected value to be one of "active, deprecated, deleted"`,
						Location: "body.status", Value: s})
				}
			}
		case "statusMessage":
			if string(raw) == "null" {
				continue
			}
			if s, ok := str(name); ok {
				if utf8.RuneCountInString(s) > mcpregistry.MaxStatusMessageLen {
					errs = append(errs, &ErrorDetail{Message: "expected length <= " +
						strconv.Itoa(mcpregistry.MaxStatusMessageLen), Location: "body.statusMessage", Value: s})
					continue
				}
				ch.Message = &s
			}
		default:
			errs = append(errs, &ErrorDetail{Message: "unexpected property", Location: "body." + name})
		}
	}
	if _, ok := fields["status"]; !ok {
		errs = append(errs, &ErrorDetail{Message: "expected required property status to be present", Location: "body"})
	}
	if len(errs) > 0 {
		return ch, validationFailed(errs...)
	}
	return ch, nil
}

// setVersionStatus is PATCH /servers/{name}/versions/{version}/status.
func (h *Handler) setVersionStatus(w http.ResponseWriter, r *http.Request, params []string) {
	ch, ok := h.statusRequest(w, r)
	if !ok {
		return
	}
	p, err := h.reg.SetPublishedStatus(r.Context(), scope.From(r.Context()), params[0], params[1], ch)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, item(p))
}

// setServerStatus is PATCH /servers/{name}/status: every published version
// at once (Registry.SetAllPublishedStatus).
func (h *Handler) setServerStatus(w http.ResponseWriter, r *http.Request, params []string) {
	ch, ok := h.statusRequest(w, r)
	if !ok {
		return
	}
	ps, err := h.reg.SetAllPublishedStatus(r.Context(), scope.From(r.Context()), params[0], ch)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	h.ok(w, r, AllVersionsStatusResponse{UpdatedCount: len(ps), Servers: items(ps)})
}

func (h *Handler) statusRequest(w http.ResponseWriter, r *http.Request) (mcpregistry.StatusChange, bool) {
	if err := h.authorizeWrite(r); err != nil {
		h.fail(w, r, err, "")
		return mcpregistry.StatusChange{}, false
	}
	ch, err := statusBody(r)
	if err != nil {
		h.fail(w, r, err, "")
		return ch, false
	}
	return ch, true
}
