package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/httpapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// wireVector is one request recorded against MLflow 3.15's own router
// (testdata/wire-vectors.json). MLflow's store was a stub there, so
// validation answers are real but 200 bodies hold placeholder values:
// those are compared by shape (key sets), not values.
type wireVector struct {
	ID      string `json:"id"`
	Request struct {
		Method  string          `json:"method"`
		Path    string          `json:"path"`
		Params  json.RawMessage `json:"params"`
		JSON    json.RawMessage `json:"json"`
		Content *string         `json:"content"`
	} `json:"request"`
	Status     int             `json:"status"`
	Body       json.RawMessage `json:"body"`
	StoreCalls []struct {
		Method string `json:"method"`
	} `json:"store_calls"`
}

// realOutcome is what the real store answers where MLflow's stub said 200:
// the stub accepted any name or version, a real registry does not.
var realOutcome = map[string]struct {
	status int
	code   string
	why    string
}{
	"search-servers-params":         {400, "INVALID_PARAMETER_VALUE", "MLflow's offset page token is not one of ours (tokens are opaque keyset positions)"},
	"search-servers-trailing-slash": {404, "RESOURCE_DOES_NOT_EXIST", "GET <prefix>/ is get-server of the name \"\""},
	"get-version-latest-literal":    {404, "RESOURCE_DOES_NOT_EXIST", "versions/latest is the literal version string \"latest\""},
	"get-version-trailing-slash":    {404, "RESOURCE_DOES_NOT_EXIST", "version \"\" does not exist"},
	"get-version-tags-path":         {404, "RESOURCE_DOES_NOT_EXIST", "version \"1.0.0/tags\" does not exist"},
	"create-endpoint-both-targets":  {400, "INVALID_PARAMETER_VALUE", "the store requires exactly one target"},
	"patch-endpoint-nulls":          {400, "INVALID_PARAMETER_VALUE", "the store refuses a null url"},
	"get-aliases-collection":        {404, "RESOURCE_DOES_NOT_EXIST", "a server named com.example/srv/aliases does not exist"},
	"get-tags-collection":           {404, "RESOURCE_DOES_NOT_EXIST", "a server named com.example/srv/tags does not exist"},
	"get-server-name-with-spaces":   {404, "RESOURCE_DOES_NOT_EXIST", "no such server"},
}

// messageDiffers lists error vectors whose message we word differently on
// purpose (same status and error_code).
var messageDiffers = map[string]string{
	"create-endpoint-bad-transport": "the message also names the allowed values",
}

// publicResolver answers as the recording harness's patched DNS did.
type publicResolver struct{}

func (publicResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	if host == "example.com" || strings.HasSuffix(host, ".example.com") {
		return []net.IPAddr{{IP: net.ParseIP("8.8.8.8")}}, nil
	}
	if host == "localhost" {
		return []net.IPAddr{{IP: net.ParseIP("127.0.0.1")}}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestWireVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/wire-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []wireVector `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) != 81 {
		t.Fatalf("expected the 81 recorded cases, got %d", len(file.Cases))
	}
	for _, v := range file.Cases {
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			h := newVectorStack(t, needsSeed(v))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, v.httpRequest(t))
			v.check(t, rec)
		})
	}
}

// needsSeed is false for requests that create the server themselves.
func needsSeed(v wireVector) bool {
	for _, c := range v.StoreCalls {
		if c.Method == "create_mcp_server" || c.Method == "create_mcp_server_version" {
			return false
		}
	}
	return true
}

// newVectorStack is the registry API over a fresh SQLite database, seeded
// with what the recorded requests refer to.
func newVectorStack(t *testing.T, seed bool) http.Handler {
	ids := []string{"ae-1", "ae-0123456789abcdef0123456789abcdef"}
	reg := mcpregistry.New(mcpregistry.Config{
		Store: store.New(dbtest.Migrated(t, dbtest.SQLite(t))),
		NewEndpointID: func() string {
			if len(ids) == 0 {
				return mcpregistry.NewEndpointID()
			}
			id := ids[0]
			ids = ids[1:]
			return id
		},
		Icons: &mcpspec.IconPolicy{Resolver: publicResolver{}},
	})
	if seed {
		ctx, a := context.Background(), scope.Scope{Workspace: scope.DefaultWorkspace}
		name := "com.example/srv"
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, ver := range []string{"1.0.0", "1.0.0+build.1"} {
			_, err := reg.CreateVersion(ctx, a, name, mcpregistry.CreateVersionInput{
				ServerJSON: json.RawMessage(fmt.Sprintf(`{"name": %q, "version": %q}`, name, ver))})
			must(err)
		}
		must(reg.SetServerTag(ctx, a, name, mcpregistry.Tag{Key: "env", Value: ptr("prod")}))
		must(reg.SetVersionTag(ctx, a, name, "1.0.0", mcpregistry.Tag{Key: "team/platform", Value: ptr("x")}))
		must(reg.SetAlias(ctx, a, name, "prod", "1.0.0"))
		must(reg.SetAlias(ctx, a, name, "team/prod", "1.0.0"))
		_, err := reg.CreateEndpoint(ctx, a, name, mcpregistry.CreateEndpointInput{URL: "https://mcp.example.com/a", ServerVersion: ptr("1.0.0")})
		must(err)
		_, err = reg.CreateEndpoint(ctx, a, name, mcpregistry.CreateEndpointInput{URL: "https://mcp.example.com/b", ServerAlias: ptr("prod")})
		must(err)
	}
	return httpapi.Handler(reg, httpapi.Options{})
}

func ptr(s string) *string { return &s }

func (v wireVector) httpRequest(t *testing.T) *http.Request {
	t.Helper()
	target := v.Request.Path
	if q := v.query(t); q != "" {
		target += "?" + q
	}
	var body *bytes.Reader
	switch {
	case v.Request.Content != nil:
		body = bytes.NewReader([]byte(*v.Request.Content))
	case len(v.Request.JSON) > 0:
		body = bytes.NewReader(expandPlaceholders(t, v.Request.JSON))
	default:
		body = bytes.NewReader(nil)
	}
	r := httptest.NewRequest(v.Request.Method, target, body)
	if body.Len() > 0 {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// query renders params, recorded either as an object or as [key, value] pairs.
func (v wireVector) query(t *testing.T) string {
	if len(v.Request.Params) == 0 {
		return ""
	}
	q := url.Values{}
	var pairs [][2]string
	if err := json.Unmarshal(v.Request.Params, &pairs); err == nil {
		for _, p := range pairs {
			q.Add(p[0], p[1])
		}
		return q.Encode()
	}
	var obj map[string]string
	if err := json.Unmarshal(v.Request.Params, &obj); err != nil {
		t.Fatalf("params: %v", err)
	}
	for k, val := range obj {
		q.Set(k, val)
	}
	return q.Encode()
}

// expandPlaceholders turns the recording's "<101 icons of the form ...>"
// and "<1001 tools ...>" markers back into the lists that were sent.
func expandPlaceholders(t *testing.T, raw json.RawMessage) []byte {
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return raw
	}
	for key, val := range body {
		s, ok := val.(string)
		if !ok || !strings.HasPrefix(s, "<") {
			continue
		}
		var n int
		var list []any
		switch {
		case strings.Contains(s, "icons"):
			fmt.Sscanf(s, "<%d", &n)
			for i := 0; i < n; i++ {
				list = append(list, map[string]any{"src": fmt.Sprintf("https://example.com/i%d.png", i)})
			}
		case strings.Contains(s, "tools"):
			fmt.Sscanf(s, "<%d", &n)
			for i := 0; i < n; i++ {
				list = append(list, map[string]any{"name": fmt.Sprintf("t%d", i)})
			}
		default:
			continue
		}
		body[key] = list
	}
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (v wireVector) check(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	status, code := v.Status, errorCode(v.Body)
	if o, ok := realOutcome[v.ID]; ok {
		status, code = o.status, o.code
	}
	if rec.Code != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", v.Request.Method, v.Request.Path, rec.Code, status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type %q", got)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body is not a JSON object: %s", rec.Body)
	}
	switch {
	case status == http.StatusMethodNotAllowed:
		if got["detail"] != "Method Not Allowed" {
			t.Errorf("405 body %v", got)
		}
	case status != http.StatusOK:
		if got["error_code"] != code {
			t.Errorf("error_code %v, want %s (%s)", got["error_code"], code, rec.Body)
		}
		if keys := sortedKeys(got); strings.Join(keys, ",") != "error_code,message" {
			t.Errorf("error body keys %v", keys)
		}
		if _, realized := realOutcome[v.ID]; !realized && messageDiffers[v.ID] == "" {
			var want map[string]any
			_ = json.Unmarshal(v.Body, &want)
			if got["message"] != want["message"] {
				t.Errorf("message\n got %q\nwant %q", got["message"], want["message"])
			}
		}
	default:
		var want any
		if err := json.Unmarshal(v.Body, &want); err != nil {
			t.Fatal(err)
		}
		if diff := shapeDiff("", want, any(got)); diff != "" {
			t.Errorf("response shape differs from MLflow's: %s\n got %s", diff, rec.Body)
		}
	}
}

func errorCode(body json.RawMessage) string {
	var b struct {
		ErrorCode string `json:"error_code"`
	}
	_ = json.Unmarshal(body, &b)
	return b.ErrorCode
}

// shapeDiff compares JSON shapes: the same key set in every object, the
// same JSON kinds, and (for non-empty lists on both sides) the same item
// shape. Values are not compared; null matches anything only where MLflow
// had null (an optional value the stub left unset).
func shapeDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want object, got %T", path, got)
		}
		if path == ".tags" || strings.HasSuffix(path, ".tags") || strings.HasSuffix(path, "server_json") ||
			strings.HasSuffix(path, "inputSchema") || strings.HasSuffix(path, "_meta") {
			return "" // free-form maps: keys are data, not shape
		}
		wk, gk := sortedKeys(w), sortedKeys(g)
		if strings.Join(wk, ",") != strings.Join(gk, ",") {
			return fmt.Sprintf("%s: keys %v, want %v", path, gk, wk)
		}
		for _, k := range wk {
			if d := shapeDiff(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want list, got %T", path, got)
		}
		if len(w) > 0 && len(g) > 0 {
			return shapeDiff(path+"[0]", w[0], g[0])
		}
	case nil:
		return ""
	default:
		if got == nil {
			return "" // the real row may leave unset what the stub filled in
		}
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", got) {
			return fmt.Sprintf("%s: %T, want %T", path, got, w)
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
