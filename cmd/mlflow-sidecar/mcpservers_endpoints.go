package main

import (
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func (c *mcpCLI) endpointsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "endpoints",
		Short: "Manage access endpoints: the approved URLs through which a server version is reached",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(c.endpointCreateCmd(), c.endpointGetCmd(), c.endpointSearchCmd(), c.endpointUpdateCmd(), c.endpointDeleteCmd())
	return cmd
}

// targetFlags are --version / --alias: what an endpoint points at.
type targetFlags struct{ version, alias string }

func (t *targetFlags) add(fs *pflag.FlagSet, what string) {
	fs.StringVar(&t.version, "version", "", what+" a version")
	fs.StringVar(&t.alias, "alias", "", what+" an alias (latest: the latest version)")
}

// get returns the set flags as pointers.
func (t *targetFlags) get(fs *pflag.FlagSet) (version, alias *string, err error) {
	if fs.Changed("version") && fs.Changed("alias") {
		return nil, nil, usageErrorf("--version and --alias are mutually exclusive")
	}
	if fs.Changed("version") {
		version = &t.version
	}
	if fs.Changed("alias") {
		alias = &t.alias
	}
	return version, alias, nil
}

func (c *mcpCLI) showEndpoint(cmd *cobra.Command, e *wire.Endpoint) error {
	return c.emit(cmd, e, func(w io.Writer) { c.endpointFields(w, e) })
}

func (c *mcpCLI) endpointCreateCmd() *cobra.Command {
	var url, transport string
	var tf targetFlags
	cmd := &cobra.Command{
		Use:     "create NAME --url URL (--version VERSION | --alias ALIAS)",
		Short:   "Approve a URL for a server version or alias",
		Example: "  mlflow-sidecar mcp-servers endpoints create io.github.acme/search --url https://mcp.acme.dev/search --alias production",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, a, err := tf.get(cmd.Flags())
			if err != nil {
				return err
			}
			if v == nil && a == nil {
				return usageErrorf("give --version or --alias")
			}
			if !cmd.Flags().Changed("url") {
				return usageErrorf("--url is required")
			}
			req := wire.CreateEndpointRequest{URL: url, ServerVersion: v, ServerAlias: a}
			if cmd.Flags().Changed("transport") {
				req.TransportType = &transport
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			e, err := cl.CreateEndpoint(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			return c.showEndpoint(cmd, e)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&url, "url", "", "the endpoint's URL")
	fs.StringVar(&transport, "transport", "streamable-http", "streamable-http or sse")
	tf.add(fs, "target")
	return cmd
}

func (c *mcpCLI) endpointGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME ID",
		Short: "Show an access endpoint",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			e, err := cl.GetEndpoint(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return c.showEndpoint(cmd, e)
		},
	}
}

func (c *mcpCLI) endpointSearchCmd() *cobra.Command {
	var sf searchFlags
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "search [NAME]",
		Short: "Search access endpoints of a server, or of the whole workspace",
		Example: "  mlflow-sidecar mcp-servers endpoints search --filter \"transport_type = 'sse'\"\n" +
			"  mlflow-sidecar mcp-servers endpoints search io.github.acme/search --alias production",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, a, err := tf.get(cmd.Flags())
			if err != nil {
				return err
			}
			q := client.EndpointSearch{Search: sf.search(), ServerVersion: v, ServerAlias: a}
			if len(args) == 1 {
				q.Server = args[0]
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			items, next, err := page(sf.all, func() ([]wire.Endpoint, *string, error) {
				p, err := cl.SearchEndpoints(ctx, q)
				if err != nil {
					return nil, nil, err
				}
				return p.Endpoints, p.NextPageToken, nil
			}, cl.Endpoints(ctx, q))
			if err != nil {
				return err
			}
			return c.emit(cmd, wire.SearchEndpoints{Endpoints: items, NextPageToken: next}, func(w io.Writer) {
				c.endpointTable(w, items)
				moreHint(cmd, next)
			})
		},
	}
	sf.add(cmd.Flags(), "filter_string: `server_name`, transport_type, status, created_at, last_updated_at")
	tf.add(cmd.Flags(), "only endpoints targeting")
	return cmd
}

func (c *mcpCLI) endpointUpdateCmd() *cobra.Command {
	var url, transport string
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "update NAME ID",
		Short: "Change an endpoint's URL, transport or target",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			var req wire.UpdateEndpointRequest
			var err error
			if req.ServerVersion, req.ServerAlias, err = tf.get(fs); err != nil {
				return err
			}
			if fs.Changed("url") {
				req.URL = &url
			}
			if fs.Changed("transport") {
				req.TransportType = &transport
			}
			if req == (wire.UpdateEndpointRequest{}) {
				return usageErrorf("nothing to update: give --url, --transport, --version or --alias")
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			e, err := cl.UpdateEndpoint(cmd.Context(), args[0], args[1], req)
			if err != nil {
				return err
			}
			return c.showEndpoint(cmd, e)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&url, "url", "", "new URL")
	fs.StringVar(&transport, "transport", "", "new transport: streamable-http or sse")
	tf.add(fs, "retarget to")
	return cmd
}

func (c *mcpCLI) endpointDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME ID",
		Short: "Delete an access endpoint",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete access endpoint %s of %s?", args[1], args[0]); err != nil {
				return err
			}
			if err := cl.DeleteEndpoint(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted access endpoint %s of %s.", args[1], args[0])
		},
	}
}
