package mcpspec

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// wireCase is a request recorded against MLflow's own request models
// (testdata/wire-vectors.json) and what MLflow answered or stored.
type wireCase struct {
	ID      string                     `json:"id"`
	Method  string                     `json:"method"`
	Path    string                     `json:"path"`
	Body    map[string]json.RawMessage `json:"body"`
	Status  int                        `json:"status"`
	Message string                     `json:"message"`
	Stored  map[string]json.RawMessage `json:"stored"`
}

func loadWireCases(t *testing.T) []wireCase {
	t.Helper()
	data, err := os.ReadFile("testdata/wire-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []wireCase }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// expandPlaceholder turns the vector file's "<101 icons of the form
// {'src': 'https://example.com/i<N>.png'}>" shorthand into the list.
func expandPlaceholder(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || !strings.HasPrefix(s, "<") {
		return raw
	}
	var n int
	var what string
	fmt.Sscanf(s, "<%d %s", &n, &what)
	items := make([]string, n)
	for i := range items {
		if what == "icons" {
			items[i] = fmt.Sprintf(`{"src":"https://example.com/i%d.png"}`, i)
		} else {
			items[i] = fmt.Sprintf(`{"name":"t%d"}`, i)
		}
	}
	return json.RawMessage("[" + strings.Join(items, ",") + "]")
}

// mlflowMessage reports whether msg is decided by this package (as
// opposed to name, status or store rules of other packages).
func mlflowMessage(msg string) bool {
	for _, p := range []string{"Invalid request: icons", "Invalid request: server_json", "Invalid request: tools", "Icon URL", "icon mimeType"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// canonicalJSON re-encodes JSON with our encoder, keeping key order, so
// that stored forms can be compared byte for byte (key order included).
func canonicalJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if raw == nil {
		return "null"
	}
	v, err := parseDocument(raw, "")
	if err != nil {
		t.Fatalf("bad JSON %s: %v", raw, err)
	}
	return string(v.raw())
}

func TestWireVectors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range loadWireCases(t) {
		t.Run(tc.ID, func(t *testing.T) {
			p := testPolicy()
			stored := map[string]json.RawMessage{}
			var errs []error
			if raw, ok := tc.Body["server_json"]; ok {
				// A create-version body: both fields in one pass, as MLflow.
				sj, tools, err := ValidateVersion(ctx, raw, expandPlaceholder(tc.Body["tools"]), p, ServerJSONOptions{})
				if err == nil {
					stored["server_json"], stored["tools"] = sj.Canonical, tools
				}
				errs = append(errs, err)
			} else if raw, ok := tc.Body["tools"]; ok {
				out, err := CanonicalTools(ctx, expandPlaceholder(raw), "tools", p)
				stored["tools"] = out
				errs = append(errs, err)
			}
			if raw, ok := tc.Body["icons"]; ok {
				out, err := CanonicalIcons(ctx, expandPlaceholder(raw), "icons", p)
				stored["icons"] = out
				errs = append(errs, err)
			}
			got := errText(t, mlflowerr.JoinRequest(errs...))
			if tc.Status != 200 && mlflowMessage(tc.Message) {
				if got != tc.Message {
					t.Fatalf("error\n got  %q\n want %q", got, tc.Message)
				}
				return
			}
			if got != "" {
				t.Fatalf("unexpected error %q (MLflow answered %d %q)", got, tc.Status, tc.Message)
			}
			for k, want := range tc.Stored {
				if g, w := canonicalJSON(t, stored[k]), canonicalJSON(t, want); g != w {
					t.Errorf("stored %s\n got  %s\n want %s", k, g, w)
				}
			}
		})
	}
}
