package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

func versionRefs(args []string) ([]wire.VersionRef, error) {
	refs := make([]wire.VersionRef, 0, len(args))
	for _, a := range args {
		name, ver, err := splitNameVersion(a)
		if err != nil {
			return nil, err
		}
		refs = append(refs, wire.VersionRef{Name: name, Version: ver})
	}
	return refs, nil
}

func refList(refs []wire.VersionRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.Name + "@" + r.Version
	}
	return strings.Join(parts, ", ")
}

func (c *mcpCLI) linkTraceCmd() *cobra.Command {
	cmd := c.traceLinkCmd(true)
	cmd.Example = "  mlflow-sidecar mcp-servers link-trace tr-0123abcd io.github.acme/search@1.2.0"
	return cmd
}

func (c *mcpCLI) unlinkTraceCmd() *cobra.Command { return c.traceLinkCmd(false) }

// traceLinkCmd is link-trace (link) or unlink-trace.
func (c *mcpCLI) traceLinkCmd(link bool) *cobra.Command {
	use, short := "link-trace", "Record that a trace used MCP server versions (shown in MLflow's UI as the mlflow.linkedMcpServers tag)"
	if !link {
		use, short = "unlink-trace", "Remove links between a trace and MCP server versions"
	}
	return &cobra.Command{
		Use:   use + " TRACE_ID NAME@VERSION...",
		Short: short,
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			refs, err := versionRefs(args[1:])
			if err != nil {
				return err
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			if link {
				if err := cl.LinkTrace(cmd.Context(), args[0], refs...); err != nil {
					return err
				}
				return c.done(cmd, "Linked trace %s to %s.", args[0], refList(refs))
			}
			if err := c.confirm(cmd, "Unlink trace %s from %s?", args[0], refList(refs)); err != nil {
				return err
			}
			if err := cl.UnlinkTrace(cmd.Context(), args[0], refs...); err != nil {
				return err
			}
			return c.done(cmd, "Unlinked trace %s from %s.", args[0], refList(refs))
		},
	}
}

func (c *mcpCLI) tracesCmd() *cobra.Command {
	var sf searchFlags
	cmd := &cobra.Command{
		Use:   "traces NAME [VERSION]",
		Short: "List the traces linked to a version (or to any version of a server), newest first",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			q := client.TraceSearch{MaxResults: sf.maxResults, PageToken: sf.pageToken}
			one := func() (*wire.SearchTraces, error) { return cl.SearchServerTraces(ctx, args[0], q) }
			every := cl.ServerTraces(ctx, args[0], q)
			if len(args) == 2 {
				one = func() (*wire.SearchTraces, error) { return cl.SearchVersionTraces(ctx, args[0], args[1], q) }
				every = cl.VersionTraces(ctx, args[0], args[1], q)
			}
			items, next, err := page(sf.all, func() ([]wire.TraceLink, *string, error) {
				p, err := one()
				if err != nil {
					return nil, nil, err
				}
				return p.Traces, p.NextPageToken, nil
			}, every)
			if err != nil {
				return err
			}
			return c.emit(cmd, wire.SearchTraces{Traces: items, NextPageToken: next}, func(w io.Writer) {
				c.traceTable(w, items)
				moreHint(cmd, next)
			})
		},
	}
	sf.add(cmd.Flags(), "")
	return cmd
}
