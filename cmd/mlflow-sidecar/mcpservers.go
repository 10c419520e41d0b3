package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
)

// Exit codes of `mcp-servers` commands, for scripts.
const (
	exitOK          = 0
	exitOther       = 1
	exitInvalid     = 2 // usage errors, client-side validation, INVALID_PARAMETER_VALUE and other 400s
	exitNotFound    = 3 // RESOURCE_DOES_NOT_EXIST
	exitAuth        = 4 // 401, 403
	exitUnavailable = 5 // 5xx, connection failures
)

const mcpServersLong = `Manage the MCP server registry of an MLflow tracking server (MLflow 3.15's API, or
mlflow-sidecar's for older MLflow) from a shell: servers, versions and their lifecycle, tags, aliases,
access endpoints, tool discovery, trace links, and client configuration for an approved server.

The server and credentials come from MLflow's client environment: MLFLOW_TRACKING_URI (or --tracking-uri),
MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD (Basic) or MLFLOW_TRACKING_TOKEN (Bearer),
MLFLOW_WORKSPACE (or --workspace), MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH,
MLFLOW_TRACKING_CLIENT_CERT_PATH, MLFLOW_HTTP_REQUEST_MAX_RETRIES and MLFLOW_HTTP_REQUEST_TIMEOUT.

Output is an aligned table (colour on a terminal only; NO_COLOR turns it off), or with --output json the
registry's JSON responses. Destructive commands ask for confirmation on a terminal unless --yes.

Exit codes:
  0  success
  1  other failure
  2  invalid usage or input (also INVALID_PARAMETER_VALUE and RESOURCE_ALREADY_EXISTS from the server)
  3  not found (RESOURCE_DOES_NOT_EXIST)
  4  authentication or permission failure (HTTP 401, 403)
  5  server error or server unavailable (HTTP 5xx, connection failure)`

// mcpCLI is the state shared by the mcp-servers commands.
type mcpCLI struct {
	trackingURI string
	workspace   string
	output      string
	yes         bool
	term        terminal
}

func newMCPServersCmd() *cobra.Command {
	c := &mcpCLI{}
	cmd := &cobra.Command{
		Use:     "mcp-servers",
		Aliases: []string{"mcp"},
		Short:   "Manage the MCP server registry (register, search, lifecycle, endpoints, tools, connect)",
		Long:    mcpServersLong,
		Args:    cobra.NoArgs,
	}
	fs := cmd.PersistentFlags()
	e := newEnvFlags(fs)
	fs.StringVar(&c.trackingURI, "tracking-uri", "http://127.0.0.1:5001", "URL of the tracking server (the sidecar or MLflow ≥ 3.15), with any static prefix")
	e.env("tracking-uri", client.EnvTrackingURI)
	fs.StringVar(&c.workspace, "workspace", "", "MLflow workspace, sent as X-MLFLOW-WORKSPACE (empty: the server's default)")
	e.env("workspace", client.EnvWorkspace)
	fs.StringVarP(&c.output, "output", "o", "table", "output format: table or json")
	fs.BoolVarP(&c.yes, "yes", "y", false, "do not ask before destructive commands")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := e.apply(); err != nil {
			return err
		}
		if c.output != "table" && c.output != "json" {
			return usageErrorf("--output must be table or json, got %q", c.output)
		}
		c.term = detectTerminal(cmd)
		return nil
	}
	cmd.AddCommand(
		c.registerCmd(), c.getCmd(), c.searchCmd(), c.updateCmd(), c.deleteCmd(),
		c.getVersionCmd(), c.getLatestVersionCmd(), c.getVersionByAliasCmd(), c.searchVersionsCmd(),
		c.updateVersionCmd(), c.deleteVersionCmd(),
		c.setTagCmd(), c.deleteTagCmd(), c.setVersionTagCmd(), c.deleteVersionTagCmd(),
		c.setAliasCmd(), c.deleteAliasCmd(),
		c.endpointsCmd(),
		c.linkTraceCmd(), c.unlinkTraceCmd(), c.tracesCmd(),
		c.connectCmd(), c.refreshToolsCmd(),
	)
	classifyErrors(cmd)
	return cmd
}

// client builds the registry client from the environment and the flags.
func (c *mcpCLI) client() (*client.Client, error) {
	opt, err := client.OptionsFromEnv()
	if err != nil {
		return nil, usageError{err}
	}
	opt.TrackingURI, opt.Workspace = c.trackingURI, c.workspace
	opt.UserAgent = "mlflow-sidecar/" + version
	cl, err := client.New(opt)
	if err != nil {
		return nil, usageError{err}
	}
	return cl, nil
}

// emit prints v as JSON (--output json) or with table (the default).
func (c *mcpCLI) emit(cmd *cobra.Command, v any, table func(w io.Writer)) error {
	out := cmd.OutOrStdout()
	if c.output == "json" {
		return writeJSON(out, v)
	}
	table(out)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// done reports a write that answers {}: the JSON itself, or a sentence.
func (c *mcpCLI) done(cmd *cobra.Command, format string, args ...any) error {
	return c.emit(cmd, struct{}{}, func(w io.Writer) { fmt.Fprintf(w, format+"\n", args...) })
}

// exitError carries the exit code of a failed command. Usage errors use
// main's usageError, which exitCode maps to 2.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode is the process exit code for the error.
func (e *exitError) ExitCode() int { return e.code }

func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// mcpExitCode maps a command's error to the documented exit codes.
func mcpExitCode(err error) int {
	var ue usageError
	var ee *exitError
	var ce *client.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitInvalid
	case errors.As(err, &ee):
		return ee.code
	case client.IsNotFound(err):
		return exitNotFound
	case client.IsUnauthenticated(err), client.IsPermissionDenied(err):
		return exitAuth
	case client.IsInvalid(err), client.IsAlreadyExists(err):
		return exitInvalid
	case client.IsUnavailable(err), errors.As(err, &ce) && ce.StatusCode >= 500:
		return exitUnavailable
	}
	return exitOther
}

// classifyErrors makes every command under root return errors whose exit
// code mcpExitCode decides: usage errors as main's usageError (exit 2), the
// others as *exitError. Flag and argument errors are usage errors.
func classifyErrors(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if args := cmd.Args; args != nil {
			cmd.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return usageError{err}
				}
				return nil
			}
		}
		if run := cmd.RunE; run != nil {
			cmd.RunE = func(cmd *cobra.Command, a []string) error {
				err := run(cmd, a)
				switch code := mcpExitCode(err); code {
				case exitOK:
					return nil
				case exitInvalid:
					var ue usageError
					if errors.As(err, &ue) {
						return ue
					}
					return usageError{err}
				default:
					return &exitError{code: code, err: err}
				}
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// orDash shows a missing value.
func orDash(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

// splitNameVersion splits NAME@VERSION (names and SemVer versions hold no '@').
func splitNameVersion(s string) (string, string, error) {
	name, ver, ok := strings.Cut(s, "@")
	if !ok || name == "" || ver == "" || strings.Contains(ver, "@") {
		return "", "", usageErrorf("%q: expected NAME@VERSION, e.g. io.github.acme/search@1.2.0", s)
	}
	return name, ver, nil
}
