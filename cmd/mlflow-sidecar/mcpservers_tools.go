package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client/discover"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// discoveryFlags choose and reach the server whose tools are listed.
type discoveryFlags struct {
	url       string
	transport string
	headers   []string
	timeout   time.Duration
}

func (d *discoveryFlags) add(fs *pflag.FlagSet, urlFlag string) {
	fs.StringVar(&d.url, urlFlag, "", "connect here instead of server.json's first streamable-http or sse remote")
	fs.StringVar(&d.transport, "transport", discover.StreamableHTTP, "transport of --"+urlFlag+": streamable-http or sse")
	fs.StringArrayVar(&d.headers, "header", nil, "header for the MCP server, 'Name: value' (repeatable)")
	fs.DurationVar(&d.timeout, "discovery-timeout", 30*time.Second, "longest wait for the MCP server")
}

// discoverTools lists the tools of the server a server.json describes.
func (c *mcpCLI) discoverTools(cmd *cobra.Command, serverJSON json.RawMessage, d discoveryFlags) (json.RawMessage, discover.Remote, error) {
	header, err := parseHeaders(d.headers)
	if err != nil {
		return nil, discover.Remote{}, err
	}
	r := discover.Remote{URL: d.url, Transport: d.transport}
	if d.url == "" {
		if r, err = discover.RemoteFromServerJSON(serverJSON); err != nil {
			return nil, r, fmt.Errorf("%w; give --url or --discovery-url", err)
		}
	} else if d.transport != discover.StreamableHTTP && d.transport != discover.SSE {
		return nil, r, usageErrorf("--transport must be streamable-http or sse, got %q", d.transport)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), d.timeout)
	defer cancel()
	sp := c.startSpinner(cmd, "Discovering tools at "+r.URL+" ...")
	defer sp.end()
	tools, err := discover.Tools(ctx, r, discover.Options{
		Header: header, ClientVersion: version,
		Progress: func(n int) { sp.update(fmt.Sprintf("Discovering tools at %s ... %d so far", r.URL, n)) },
	})
	return tools, r, err
}

// refreshResult is refresh-tools' JSON output.
type refreshResult struct {
	Name      string           `json:"name"`
	Version   string           `json:"version"`
	URL       string           `json:"url"`
	Transport string           `json:"transport"`
	DryRun    bool             `json:"dry_run"`
	Written   bool             `json:"written"`
	Changes   discover.Changes `json:"changes"`
	Tools     json.RawMessage  `json:"tools"`
}

func (c *mcpCLI) refreshToolsCmd() *cobra.Command {
	var d discoveryFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "refresh-tools NAME VERSION",
		Short: "Discover a version's tools from its remote and store them (--dry-run: only show the difference)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			v, err := cl.GetVersion(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			tools, r, err := c.discoverTools(cmd, v.ServerJSON, d)
			if err != nil {
				return fmt.Errorf("tool discovery: %w", err)
			}
			changes, err := discover.Diff(v.Tools, tools)
			if err != nil {
				return err
			}
			res := refreshResult{Name: v.Name, Version: v.Version, URL: r.URL, Transport: r.Transport,
				DryRun: dryRun, Changes: changes, Tools: tools}
			if !dryRun && !changes.Empty() {
				if _, err := cl.UpdateVersion(cmd.Context(), v.Name, v.Version, wire.UpdateVersionRequest{Tools: wire.Value(tools)}); err != nil {
					return err
				}
				res.Written = true
			}
			return c.emit(cmd, res, func(w io.Writer) { c.refreshReport(w, res) })
		},
	}
	d.add(cmd.Flags(), "url")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change without writing")
	return cmd
}

func (c *mcpCLI) refreshReport(w io.Writer, r refreshResult) {
	for _, n := range r.Changes.Added {
		fmt.Fprintln(w, c.term.paint("32", "+ "+n))
	}
	for _, n := range r.Changes.Removed {
		fmt.Fprintln(w, c.term.paint("31", "- "+n))
	}
	for _, n := range r.Changes.Changed {
		fmt.Fprintln(w, c.term.paint("33", "~ "+n))
	}
	summary := fmt.Sprintf("%d added, %d removed, %d changed, %d unchanged", len(r.Changes.Added),
		len(r.Changes.Removed), len(r.Changes.Changed), r.Changes.Unchanged)
	switch {
	case r.Changes.Empty():
		fmt.Fprintf(w, "Tools of %s %s are up to date (%s).\n", r.Name, r.Version, summary)
	case r.DryRun:
		fmt.Fprintf(w, "Dry run, nothing written: %s.\n", summary)
	default:
		fmt.Fprintf(w, "Updated the tools of %s %s: %s.\n", r.Name, r.Version, summary)
	}
}

type toolSummary struct{ name, description string }

// toolSummaries reads names and one-line descriptions from a tools list.
func toolSummaries(raw json.RawMessage) []toolSummary {
	var tools []struct {
		Name        string  `json:"name"`
		Description *string `json:"description"`
	}
	if json.Unmarshal(raw, &tools) != nil {
		return nil
	}
	out := make([]toolSummary, len(tools))
	for i, t := range tools {
		d := orDash(t.Description)
		if line, _, cut := strings.Cut(d, "\n"); cut {
			d = line + " ..."
		}
		if r := []rune(d); len(r) > 80 {
			d = string(r[:77]) + "..."
		}
		out[i] = toolSummary{name: t.Name, description: d}
	}
	return out
}
