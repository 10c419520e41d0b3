package officialapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/officialapi"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// publisherModule is the official publisher CLI, built from the module
// proxy (then the Go build cache) at the version whose API we serve.
const publisherModule = "github.com/modelcontextprotocol/registry/cmd/publisher@v1.8.8"

// buildPublisher installs mcp-publisher into the test's temporary directory
// (the Go build cache makes later builds quick). Without the Go toolchain or
// the module the test fails: it is the one check that a real official
// client works with the sidecar.
func buildPublisher(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", publisherModule)
	// Its own module graph, not ours: GOFLAGS and workspaces off.
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", publisherModule, err, out)
	}
	return filepath.Join(dir, "publisher")
}

// publisher runs mcp-publisher with HOME (its token file) and the working
// directory in home.
type publisher struct {
	t    *testing.T
	bin  string
	home string
}

func (p publisher) run(wantOK bool, args ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Dir = p.home
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if (err == nil) != wantOK {
		p.t.Fatalf("mcp-publisher %s: err %v, want success %v\n%s", strings.Join(args, " "), err, wantOK, out)
	}
	return string(out)
}

// TestOfficialPublisher drives the official CLI against the sidecar: login
// none, publish, deprecate, delete, and a bulk status change, each result
// read back through both APIs; then, with authentication on, the anonymous
// login is refused and an MLflow credential in the token file publishes.
func TestOfficialPublisher(t *testing.T) {
	bin := buildPublisher(t)
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		e := newEnv(t, uri)
		p := publisher{t: t, bin: bin, home: t.TempDir()}
		registry := e.srv.URL + staticPrefix
		const name = "io.github.acme/weather"
		writeServer := func(version string) {
			if err := os.WriteFile(filepath.Join(p.home, "server.json"), serverJSON(name, version), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		nativeStatus := func(version string) string {
			r := e.do(http.MethodGet, staticPrefix+"/ajax-api/3.0/mlflow/mcp-servers/"+escape(name)+"/versions/"+version, "", nil)
			if r.status == http.StatusNotFound {
				return "(not found)"
			}
			var v wire.Version
			if r.status != 200 || json.Unmarshal(r.body, &v) != nil {
				t.Fatalf("native get %s: %d %s", version, r.status, r.body)
			}
			return v.Status
		}
		officialStatus := func(version string) (string, string) {
			up, _ := decodeItem(t, e.get("/v0.1/servers/"+escape(name)+"/versions/"+version+"?include_deleted=true", ""))
			msg := ""
			if m := up.Meta.Official.StatusMessage; m != nil {
				msg = *m
			}
			return string(up.Meta.Official.Status), msg
		}
		expect := func(version, native, official, message string) {
			t.Helper()
			if got := nativeStatus(version); got != native {
				t.Fatalf("native API: %s is %s, want %s", version, got, native)
			}
			if st, msg := officialStatus(version); st != official || msg != message {
				t.Fatalf("/v0.1: %s is %s %q, want %s %q", version, st, msg, official, message)
			}
		}

		p.run(true, "login", "none", "--registry", registry)
		writeServer("1.0.0")
		if out := p.run(true, "publish"); !strings.Contains(out, "Successfully published") {
			t.Fatalf("publish said %s", out)
		}
		expect("1.0.0", "active", "active", "")
		p.run(false, "publish") // the same version again is refused
		p.run(true, "status", "--status", "deprecated", "--message", "use 2.x", name, "1.0.0")
		expect("1.0.0", "deprecated", "deprecated", "use 2.x")
		p.run(true, "status", "--status", "deleted", name, "1.0.0")
		expect("1.0.0", "(not found)", "deleted", "")

		for _, v := range []string{"2.0.0", "2.1.0"} {
			writeServer(v)
			p.run(true, "publish")
		}
		out := p.run(false, "status", "--status", "deleted", "--all-versions", "--yes", name)
		if !strings.Contains(out, "deprecate it first") {
			t.Fatalf("deleting active versions: %s", out)
		}
		if out := p.run(true, "status", "--status", "deprecated", "--all-versions", "--yes", name); !strings.Contains(out, "updated 2 version") {
			t.Fatalf("bulk deprecation said %s", out)
		}
		expect("2.0.0", "deprecated", "deprecated", "")
		expect("2.1.0", "deprecated", "deprecated", "")
		if got := keysOf(t, e.get("/v0.1/servers?search=weather", "")); len(got) != 2 {
			t.Fatalf("listed %v", got)
		}

		// Authentication on: the anonymous login is refused with the reason,
		// and the publisher's Bearer header carries an MLflow credential.
		e.mode.Store(int32(officialapi.AuthOn))
		if out := p.run(false, "login", "none", "--registry", registry); !strings.Contains(out, "Anonymous tokens are refused") {
			t.Fatalf("login none with authentication on said %s", out)
		}
		tok, _ := json.Marshal(map[string]string{"token": mlflowPAT, "method": "none", "registry": registry})
		if err := os.WriteFile(filepath.Join(p.home, ".config", "mcp-publisher", "token.json"), tok, 0o600); err != nil {
			t.Fatal(err)
		}
		writeServer("3.0.0")
		p.run(true, "publish")
		e.mode.Store(int32(officialapi.AuthOff)) // read back without credentials
		expect("3.0.0", "active", "active", "")
		v, err := e.reg.GetVersion(e.ctx, scope.Scope{Workspace: scope.DefaultWorkspace}, name, "3.0.0")
		if err != nil || v.CreatedBy == nil || *v.CreatedBy != "alice" {
			t.Fatalf("3.0.0 published as %+v, %v", v, err)
		}
	})
}
