package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

type registerFlags struct {
	file, url                   string
	status, displayName, source string
	toolsFile                   string
	fromRemotes, discover       bool
	disc                        discoveryFlags
}

func (c *mcpCLI) registerCmd() *cobra.Command {
	var o registerFlags
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register a server version from its server.json (creating the server if needed)",
		Long: `Register a version of an MCP server from its server.json: from --server-json-file (- for stdin),
from --server-json-url, or from standard input when neither is given. The server is named by server.json's
"name" and created on first registration.

Tools come from --tools-file (a JSON list, or a saved tools/list result) or, with --discover-tools, from the
server itself: the first streamable-http or sse remote in server.json (or --discovery-url) is asked for its
tools. A failed discovery does not fail the registration; the reason is printed on stderr.`,
		Example: `  mlflow-sidecar mcp-servers register --server-json-file server.json --status active --discover-tools
  curl -s https://example.com/server.json | mlflow-sidecar mcp-servers register --create-endpoints-from-remotes --status active`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.register(cmd, &o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.file, "server-json-file", "", "server.json file (- for stdin)")
	fs.StringVar(&o.url, "server-json-url", "", "http(s) or file URL of a server.json (also the default --source)")
	fs.StringVar(&o.status, "status", "", "initial status: draft (the server's default) or active")
	fs.StringVar(&o.displayName, "display-name", "", "display name of the version")
	fs.StringVar(&o.source, "source", "", "where the server.json came from (recorded with the version)")
	fs.StringVar(&o.toolsFile, "tools-file", "", "JSON file (- for stdin) with the version's tools")
	fs.BoolVar(&o.fromRemotes, "create-endpoints-from-remotes", false, "create an access endpoint per server.json remote (needs --status active)")
	fs.BoolVar(&o.discover, "discover-tools", false, "ask the server's remote for its tools")
	o.disc.add(fs, "discovery-url")
	return cmd
}

func (c *mcpCLI) register(cmd *cobra.Command, o *registerFlags) error {
	doc, defaultSource, err := c.readServerJSON(cmd, o)
	if err != nil {
		return err
	}
	name, err := serverJSONName(doc)
	if err != nil {
		return err
	}
	if o.toolsFile != "" && o.discover {
		return usageErrorf("--tools-file and --discover-tools are mutually exclusive")
	}
	if o.toolsFile == "-" && (o.file == "-" || (o.file == "" && o.url == "")) {
		return usageErrorf("server.json and the tools cannot both come from standard input")
	}
	req := wire.CreateVersionRequest{ServerJSON: doc, CreateEndpointsFromRemotes: o.fromRemotes}
	fl := cmd.Flags()
	if fl.Changed("status") {
		req.Status = &o.status
	}
	if fl.Changed("display-name") {
		req.DisplayName = &o.displayName
	}
	if fl.Changed("source") {
		req.Source = &o.source
	} else if defaultSource != "" {
		req.Source = &defaultSource
	}
	if o.toolsFile != "" {
		if req.Tools, err = readToolsFile(cmd, o.toolsFile); err != nil {
			return err
		}
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	if o.discover {
		tools, _, err := c.discoverTools(cmd, doc, o.disc)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "Tool discovery failed, registering without tools: %v\n", err)
		} else {
			req.Tools = tools
		}
	}
	v, err := cl.CreateVersion(cmd.Context(), name, req)
	if err != nil && o.discover && req.Tools != nil && rejectsTools(err) {
		// The registry validates tools (icon URLs, sizes) more strictly than
		// MCP servers do. A rejected request wrote nothing, so registering
		// again without the discovered tools is safe.
		fmt.Fprintf(cmd.ErrOrStderr(), "The registry rejected the discovered tools, registering without them: %v\n", err)
		req.Tools = nil
		v, err = cl.CreateVersion(cmd.Context(), name, req)
	}
	if err != nil {
		return err
	}
	return c.emit(cmd, v, func(w io.Writer) { c.versionFields(w, v) })
}

// rejectsTools reports a 400 about the tools list or its icons.
func rejectsTools(err error) bool {
	var ce *client.Error
	if !client.IsInvalid(err) || !errors.As(err, &ce) {
		return false
	}
	m := strings.ToLower(ce.Message)
	return strings.Contains(m, "tools") || strings.Contains(m, "icon")
}

func (c *mcpCLI) readServerJSON(cmd *cobra.Command, o *registerFlags) (json.RawMessage, string, error) {
	var data []byte
	var err error
	source := ""
	switch {
	case o.file != "" && o.url != "":
		return nil, "", usageErrorf("--server-json-file and --server-json-url are mutually exclusive")
	case o.url != "":
		data, err = fetchURL(cmd.Context(), o.url)
		source = o.url
	case o.file != "":
		data, err = readFileArg(cmd, o.file)
	case c.term.stdin:
		return nil, "", usageErrorf("give --server-json-file, --server-json-url, or a server.json on standard input")
	default:
		data, err = readFileArg(cmd, "-")
	}
	if err != nil {
		return nil, "", err
	}
	if !json.Valid(data) {
		return nil, "", usageErrorf("server.json is not valid JSON")
	}
	return json.RawMessage(strings.TrimSpace(string(data))), source, nil
}
