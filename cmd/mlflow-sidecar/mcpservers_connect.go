package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

type connectFlags struct {
	alias, version, endpoint string
	client, key              string
}

func (c *mcpCLI) connectCmd() *cobra.Command {
	var o connectFlags
	cmd := &cobra.Command{
		Use:   "connect NAME --client claude-code|vscode|cursor|mcp-json [--alias ALIAS | --version VERSION | --endpoint ID]",
		Short: "Print the command or configuration that plugs an approved server into an MCP client",
		Long: `Print the command (claude-code) or the JSON configuration (vscode: .vscode/mcp.json, cursor:
~/.cursor/mcp.json, mcp-json: a generic {"mcpServers": ...} file) that connects an MCP client to a server.

The server is reached through an approved access endpoint: --endpoint names one; with --alias (default:
latest) or --version, the endpoints targeting that alias or version are used, then those targeting the
version it resolves to, then server.json's remotes. A server without remotes is run locally from its first
npm, pypi, oci or nuget package. Values only you know (API keys, arguments) appear as placeholders and are
listed on stderr.`,
		Example: "  mlflow-sidecar mcp-servers connect io.github.acme/search --alias production --client claude-code",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, f := range []string{"alias", "version", "endpoint"} {
				if cmd.Flags().Changed(f) {
					n++
				}
			}
			if n > 1 {
				return usageErrorf("--alias, --version and --endpoint are mutually exclusive")
			}
			if o.client == "" {
				return usageErrorf("--client is required: %s", strings.Join(connectClients, ", "))
			}
			if _, err := renderSnippet(o.client, &connectPlan{Remote: &remotePlan{}}); err != nil {
				return err
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			plan, err := planConnect(cmd.Context(), cl, args[0], o)
			if err != nil {
				return err
			}
			s, err := renderSnippet(o.client, plan)
			if err != nil {
				return err
			}
			if c.output == "json" {
				return writeJSON(cmd.OutOrStdout(), struct {
					*connectPlan
					Client  string   `json:"client"`
					Snippet string   `json:"snippet"`
					Notes   []string `json:"notes"`
				}{plan, o.client, s.Text, nonNilStrings(s.Notes)})
			}
			fmt.Fprintln(cmd.OutOrStdout(), s.Text)
			for _, n := range s.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), n)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.client, "client", "", "claude-code, vscode, cursor or mcp-json")
	fs.StringVar(&o.alias, "alias", client.LatestAlias, "connect to the version this alias resolves to")
	fs.StringVar(&o.version, "version", "", "connect to this version")
	fs.StringVar(&o.endpoint, "endpoint", "", "connect through this access endpoint")
	fs.StringVar(&o.key, "as", "", "name of the server in the client's configuration (default: the name's slug)")
	return cmd
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// planConnect resolves how to reach the server, as connect's help says.
func planConnect(ctx context.Context, cl *client.Client, name string, o connectFlags) (*connectPlan, error) {
	plan := &connectPlan{Server: name, Key: o.key}
	if plan.Key == "" {
		plan.Key = configKey(name)
	}
	var v *wire.Version
	var endpoints []wire.Endpoint
	var err error
	switch {
	case o.endpoint != "":
		e, err := cl.GetEndpoint(ctx, name, o.endpoint)
		if err != nil {
			return nil, err
		}
		if e.ResolvedVersion == nil {
			return nil, fmt.Errorf("endpoint %s does not resolve to a version now", e.ID)
		}
		v, endpoints = e.ResolvedVersion, []wire.Endpoint{*e}
	case o.version != "":
		if v, err = cl.GetVersion(ctx, name, o.version); err != nil {
			return nil, err
		}
	default:
		if v, err = cl.GetVersionByAlias(ctx, name, o.alias); err != nil {
			return nil, err
		}
		if endpoints, err = collectEndpoints(ctx, cl, client.EndpointSearch{Server: name, ServerAlias: &o.alias}); err != nil {
			return nil, err
		}
	}
	if o.endpoint == "" {
		direct, err := collectEndpoints(ctx, cl, client.EndpointSearch{Server: name, ServerVersion: &v.Version})
		if err != nil {
			return nil, err
		}
		endpoints = append(endpoints, direct...)
	}
	plan.Version = v.Version
	if err := choosePlan(plan, v.ServerJSON, endpoints); err != nil {
		return nil, err
	}
	return plan, nil
}

// choosePlan fills in how to connect: the preferred endpoint, else a
// server.json remote, else a package.
func choosePlan(plan *connectPlan, serverJSON json.RawMessage, endpoints []wire.Endpoint) error {
	var doc jsonServer
	if err := json.Unmarshal(serverJSON, &doc); err != nil {
		return fmt.Errorf("reading server.json of %s %s: %w", plan.Server, plan.Version, err)
	}
	if e := preferredEndpoint(endpoints); e != nil {
		plan.EndpointID = e.ID
		plan.Remote = &remotePlan{URL: literal(e.URL), Transport: e.TransportType, Headers: doc.headersFor(e.URL)}
		return nil
	}
	if plan.Remote = doc.remote(); plan.Remote != nil {
		return nil
	}
	var err error
	if plan.Package, err = doc.pkg(); err != nil {
		return &exitError{code: exitNotFound, err: fmt.Errorf("%s %s has no access endpoint and server.json has no remote; %w", plan.Server, plan.Version, err)}
	}
	return nil
}

func collectEndpoints(ctx context.Context, cl *client.Client, q client.EndpointSearch) ([]wire.Endpoint, error) {
	var out []wire.Endpoint
	for e, err := range cl.Endpoints(ctx, q) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// preferredEndpoint takes the first streamable-http endpoint, else the
// first one: streamable HTTP is the transport current clients speak best.
func preferredEndpoint(list []wire.Endpoint) *wire.Endpoint {
	for i := range list {
		if strings.EqualFold(list[i].TransportType, "streamable-http") {
			return &list[i]
		}
	}
	if len(list) > 0 {
		return &list[0]
	}
	return nil
}
