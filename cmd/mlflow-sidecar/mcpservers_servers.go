package main

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// searchFlags are the paging and query flags of the search commands.
type searchFlags struct {
	filter     string
	orderBy    []string
	maxResults int
	pageToken  string
	all        bool
}

func (s *searchFlags) add(fs *pflag.FlagSet, filterHelp string) {
	if filterHelp != "" {
		fs.StringVar(&s.filter, "filter", "", filterHelp)
		fs.StringArrayVar(&s.orderBy, "order-by", nil, "order_by clause, repeatable (e.g. 'name DESC', '`version` DESC')")
	}
	fs.IntVar(&s.maxResults, "max-results", 0, "page size (default: the server's, 100)")
	fs.StringVar(&s.pageToken, "page-token", "", "continue from a previous page's next_page_token")
	fs.BoolVar(&s.all, "all", false, "follow next_page_token and print every page")
}

func (s *searchFlags) search() client.Search {
	return client.Search{Filter: s.filter, OrderBy: s.orderBy, MaxResults: s.maxResults, PageToken: s.pageToken}
}

// page fetches one page, or with --all every page from the given one on.
func page[T any](all bool, one func() ([]T, *string, error), every iter.Seq2[T, error]) ([]T, *string, error) {
	if !all {
		return one()
	}
	items := []T{}
	for it, err := range every {
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
	}
	return items, nil, nil
}

// moreHint tells a table reader how to get the next page.
func moreHint(cmd *cobra.Command, next *string) {
	if next != nil && *next != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "More results: add --page-token %s (or --all)\n", *next)
	}
}

func (c *mcpCLI) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show a server: latest version, status, aliases, tags and access endpoints",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			s, err := cl.GetServer(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return c.emit(cmd, s, func(w io.Writer) { c.serverFields(w, s) })
		},
	}
}

func (c *mcpCLI) searchCmd() *cobra.Command {
	var sf searchFlags
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search servers",
		Example: `  mlflow-sidecar mcp-servers search --filter "status = 'active'" --order-by 'last_updated_at DESC'
  mlflow-sidecar mcp-servers search --filter "tags.team = 'search' AND name LIKE 'io.github.acme/%'" --all -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			ctx, q := cmd.Context(), sf.search()
			items, next, err := page(sf.all, func() ([]wire.Server, *string, error) {
				p, err := cl.SearchServers(ctx, q)
				if err != nil {
					return nil, nil, err
				}
				return p.Servers, p.NextPageToken, nil
			}, cl.Servers(ctx, q))
			if err != nil {
				return err
			}
			return c.emit(cmd, wire.SearchServers{Servers: items, NextPageToken: next}, func(w io.Writer) {
				c.serverTable(w, items)
				moreHint(cmd, next)
			})
		},
	}
	sf.add(cmd.Flags(), "filter_string: name, display_name, status, has_access_endpoints, created_at, last_updated_at, tags.<key>")
	return cmd
}

func (c *mcpCLI) updateCmd() *cobra.Command {
	var displayName, description, iconsFile string
	var clearDisplayName, clearDescription, clearIcons bool
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Change a server's display name, description or icons",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			var req wire.UpdateServerRequest
			var err error
			if req.DisplayName, err = stringPatch(fl, "display-name", displayName, "clear-display-name"); err != nil {
				return err
			}
			if req.Description, err = stringPatch(fl, "description", description, "clear-description"); err != nil {
				return err
			}
			if req.Icons, err = jsonListPatch(cmd, "icons-file", iconsFile, "clear-icons"); err != nil {
				return err
			}
			if req.DisplayName.IsZero() && req.Description.IsZero() && req.Icons.IsZero() {
				return usageErrorf("nothing to update: give --display-name, --description, --icons-file or a --clear-* flag")
			}
			cl, err := c.client()
			if err != nil {
				return err
			}
			s, err := cl.UpdateServer(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			return c.emit(cmd, s, func(w io.Writer) { c.serverFields(w, s) })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&displayName, "display-name", "", "new display name")
	fs.BoolVar(&clearDisplayName, "clear-display-name", false, "remove the display name")
	fs.StringVar(&description, "description", "", "new description")
	fs.BoolVar(&clearDescription, "clear-description", false, "remove the description (server_json's is shown instead)")
	fs.StringVar(&iconsFile, "icons-file", "", "JSON file (- for stdin) with the icon list")
	fs.BoolVar(&clearIcons, "clear-icons", false, "remove the icons")
	return cmd
}

// stringPatch turns --x / --clear-x into a PATCH field.
func stringPatch(fl *pflag.FlagSet, flag, value, clearFlag string) (wire.Patch[string], error) {
	set, clear := fl.Changed(flag), fl.Changed(clearFlag)
	switch {
	case set && clear:
		return wire.Patch[string]{}, usageErrorf("--%s and --%s are mutually exclusive", flag, clearFlag)
	case set:
		return wire.Value(value), nil
	case clear:
		return wire.Null[string](), nil
	}
	return wire.Patch[string]{}, nil
}

// jsonListPatch reads --x-file (a JSON list) or --clear-x into a PATCH field.
func jsonListPatch(cmd *cobra.Command, flag, file, clearFlag string) (wire.Patch[json.RawMessage], error) {
	fl := cmd.Flags()
	set, clear := fl.Changed(flag), fl.Changed(clearFlag)
	switch {
	case set && clear:
		return wire.Patch[json.RawMessage]{}, usageErrorf("--%s and --%s are mutually exclusive", flag, clearFlag)
	case set:
		list, err := readJSONList(cmd, file)
		if err != nil {
			return wire.Patch[json.RawMessage]{}, err
		}
		return wire.Value(list), nil
	case clear:
		return wire.Null[json.RawMessage](), nil
	}
	return wire.Patch[json.RawMessage]{}, nil
}

func (c *mcpCLI) deleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a server with all its versions, tags, aliases and endpoints (refused while a version is active)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete MCP server %s with all its versions, tags, aliases and endpoints?", args[0]); err != nil {
				return err
			}
			if err := cl.DeleteServer(cmd.Context(), args[0]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted MCP server %s.", args[0])
		},
	}
}

func (c *mcpCLI) setTagCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-tag NAME KEY VALUE",
		Short: "Set a tag on a server",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := cl.SetServerTag(cmd.Context(), args[0], args[1], args[2]); err != nil {
				return err
			}
			return c.done(cmd, "Set tag %s on %s.", args[1], args[0])
		},
	}
}

func (c *mcpCLI) deleteTagCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete-tag NAME KEY",
		Short: "Delete a server's tag",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete tag %s of %s?", args[1], args[0]); err != nil {
				return err
			}
			if err := cl.DeleteServerTag(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted tag %s of %s.", args[1], args[0])
		},
	}
}
