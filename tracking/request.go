package tracking

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Pydantic's messages, as MLflow's request validation words them.
const (
	msgRequired = "Field required"
	msgString   = "Input should be a valid string"
	msgList     = "Input should be a valid list"
	msgObject   = "Input should be a valid dictionary or object to extract fields from"
)

const fieldVersions = "mcp_server_versions"

// decodeLinkRequest reads a link or unlink body as strictly as the
// registry's own requests (see wire.ReadBody), reporting every problem in
// field order in one "Invalid request" error.
func decodeLinkRequest(r *http.Request) (traceID string, refs []VersionRef, err error) {
	b, err := wire.ReadBody(r)
	if err != nil {
		return "", nil, err
	}
	traceID = b.String("trace_id")
	list := b.NullableList(fieldVersions) // reports a non-list itself
	var issues []mlflowerr.Issue
	switch {
	case !b.Has(fieldVersions):
		issues = append(issues, mlflowerr.Issue{Loc: fieldVersions, Msg: msgRequired})
	case !list.Set: // present but not a list: already reported
	case list.Value == nil:
		issues = append(issues, mlflowerr.Issue{Loc: fieldVersions, Msg: msgList})
	default:
		refs, issues = decodeRefs(*list.Value)
	}
	var listErr error
	if len(issues) > 0 {
		listErr = mlflowerr.InvalidRequest(issues...)
	}
	if err := mlflowerr.JoinRequest(b.Err(), listErr); err != nil {
		return "", nil, err
	}
	return traceID, refs, nil
}

func decodeRefs(raw json.RawMessage) ([]VersionRef, []mlflowerr.Issue) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, []mlflowerr.Issue{{Loc: fieldVersions, Msg: msgList}}
	}
	refs := make([]VersionRef, 0, len(items))
	var issues []mlflowerr.Issue
	for i, item := range items {
		loc := fieldVersions + "." + strconv.Itoa(i)
		var fields map[string]json.RawMessage
		if json.Unmarshal(item, &fields) != nil || fields == nil {
			issues = append(issues, mlflowerr.Issue{Loc: loc, Msg: msgObject})
			continue
		}
		var ref VersionRef
		for _, f := range []struct {
			key string
			dst *string
		}{{"name", &ref.Name}, {"version", &ref.Version}} {
			v, ok := fields[f.key]
			if !ok {
				issues = append(issues, mlflowerr.Issue{Loc: loc + "." + f.key, Msg: msgRequired})
			} else if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, f.dst) != nil {
				issues = append(issues, mlflowerr.Issue{Loc: loc + "." + f.key, Msg: msgString})
			}
		}
		refs = append(refs, ref)
	}
	return refs, issues
}
