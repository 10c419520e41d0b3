package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/client"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// showVersion is the body of the commands that print one version.
func (c *mcpCLI) showVersion(get func(cl *client.Client, cmd *cobra.Command, args []string) (*wire.Version, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cl, err := c.client()
		if err != nil {
			return err
		}
		v, err := get(cl, cmd, args)
		if err != nil {
			return err
		}
		return c.emit(cmd, v, func(w io.Writer) { c.versionFields(w, v) })
	}
}

func (c *mcpCLI) getVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get-version NAME VERSION",
		Short: "Show a version: status, server.json summary, tools, aliases and tags",
		Args:  cobra.ExactArgs(2),
		RunE: c.showVersion(func(cl *client.Client, cmd *cobra.Command, a []string) (*wire.Version, error) {
			return cl.GetVersion(cmd.Context(), a[0], a[1])
		}),
	}
}

func (c *mcpCLI) getLatestVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get-latest-version NAME",
		Short: "Show the latest version (highest active SemVer, else highest draft or deprecated)",
		Args:  cobra.ExactArgs(1),
		RunE: c.showVersion(func(cl *client.Client, cmd *cobra.Command, a []string) (*wire.Version, error) {
			return cl.GetLatestVersion(cmd.Context(), a[0])
		}),
	}
}

func (c *mcpCLI) getVersionByAliasCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get-version-by-alias NAME ALIAS",
		Short: "Show the version an alias points at",
		Args:  cobra.ExactArgs(2),
		RunE: c.showVersion(func(cl *client.Client, cmd *cobra.Command, a []string) (*wire.Version, error) {
			return cl.GetVersionByAlias(cmd.Context(), a[0], a[1])
		}),
	}
}

func (c *mcpCLI) searchVersionsCmd() *cobra.Command {
	var sf searchFlags
	cmd := &cobra.Command{
		Use:     "search-versions NAME",
		Short:   "Search the versions of a server",
		Example: "  mlflow-sidecar mcp-servers search-versions io.github.acme/search --filter \"status = 'active'\" --order-by '`version` DESC'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			ctx, q := cmd.Context(), sf.search()
			items, next, err := page(sf.all, func() ([]wire.Version, *string, error) {
				p, err := cl.SearchVersions(ctx, args[0], q)
				if err != nil {
					return nil, nil, err
				}
				return p.Versions, p.NextPageToken, nil
			}, cl.Versions(ctx, args[0], q))
			if err != nil {
				return err
			}
			return c.emit(cmd, wire.SearchVersions{Versions: items, NextPageToken: next}, func(w io.Writer) {
				c.versionTable(w, items)
				moreHint(cmd, next)
			})
		},
	}
	sf.add(cmd.Flags(), "filter_string: version (=, !=, <, <=, >, >= by SemVer), status, created_at, last_updated_at")
	return cmd
}

func (c *mcpCLI) updateVersionCmd() *cobra.Command {
	var status, displayName, toolsFile string
	var clearDisplayName, clearTools bool
	cmd := &cobra.Command{
		Use:   "update-version NAME VERSION",
		Short: "Change a version's status, display name or tools (or: update-version publish|deprecate|unpublish NAME VERSION)",
		Long: `Change a version's status, display name or tools.

Status transitions: draft → active or deleted; active → deprecated or draft; deprecated → active or deleted.
The words publish (→ active), deprecate (→ deprecated) and unpublish (→ draft) are shortcuts.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var req wire.UpdateVersionRequest
			var err error
			if cmd.Flags().Changed("status") {
				req.Status = &status
			}
			if req.DisplayName, err = stringPatch(cmd.Flags(), "display-name", displayName, "clear-display-name"); err != nil {
				return err
			}
			if req.Tools, err = jsonListPatch(cmd, "tools-file", toolsFile, "clear-tools"); err != nil {
				return err
			}
			if req.Status == nil && req.DisplayName.IsZero() && req.Tools.IsZero() {
				return usageErrorf("nothing to update: give --status, --display-name, --tools-file or a --clear-* flag")
			}
			return c.patchVersion(cmd, args[0], args[1], req)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&status, "status", "", "new status: draft, active, deprecated or deleted")
	fs.StringVar(&displayName, "display-name", "", "new display name")
	fs.BoolVar(&clearDisplayName, "clear-display-name", false, "remove the display name")
	fs.StringVar(&toolsFile, "tools-file", "", "JSON file (- for stdin) with the new tool list")
	fs.BoolVar(&clearTools, "clear-tools", false, "remove the tools")
	for _, s := range []struct{ word, status, short string }{
		{"publish", "active", "Make a version active"},
		{"deprecate", "deprecated", "Deprecate an active version"},
		{"unpublish", "draft", "Move an active version back to draft"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   s.word + " NAME VERSION",
			Short: s.short + " (status " + s.status + ")",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				st := s.status
				return c.patchVersion(cmd, args[0], args[1], wire.UpdateVersionRequest{Status: &st})
			},
		})
	}
	return cmd
}

func (c *mcpCLI) patchVersion(cmd *cobra.Command, name, version string, req wire.UpdateVersionRequest) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	v, err := cl.UpdateVersion(cmd.Context(), name, version, req)
	if err != nil {
		return err
	}
	return c.emit(cmd, v, func(w io.Writer) { c.versionFields(w, v) })
}

func (c *mcpCLI) deleteVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete-version NAME VERSION",
		Short: "Delete a draft or deprecated version with its aliases and endpoints (its version string cannot be reused)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete version %s of %s, with the aliases and endpoints that target it?", args[1], args[0]); err != nil {
				return err
			}
			if err := cl.DeleteVersion(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted version %s of %s.", args[1], args[0])
		},
	}
}

func (c *mcpCLI) setVersionTagCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-version-tag NAME VERSION KEY VALUE",
		Short: "Set a tag on a version",
		Args:  cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := cl.SetVersionTag(cmd.Context(), args[0], args[1], args[2], args[3]); err != nil {
				return err
			}
			return c.done(cmd, "Set tag %s on %s %s.", args[2], args[0], args[1])
		},
	}
}

func (c *mcpCLI) deleteVersionTagCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete-version-tag NAME VERSION KEY",
		Short: "Delete a version's tag",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete tag %s of %s %s?", args[2], args[0], args[1]); err != nil {
				return err
			}
			if err := cl.DeleteVersionTag(cmd.Context(), args[0], args[1], args[2]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted tag %s of %s %s.", args[2], args[0], args[1])
		},
	}
}

func (c *mcpCLI) setAliasCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-alias NAME ALIAS VERSION",
		Short: "Point an alias at a version (\"latest\" is reserved)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := cl.SetAlias(cmd.Context(), args[0], args[1], args[2]); err != nil {
				return err
			}
			return c.done(cmd, "Alias %s of %s now points at %s.", args[1], args[0], args[2])
		},
	}
}

func (c *mcpCLI) deleteAliasCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete-alias NAME ALIAS",
		Short: "Delete an alias and the access endpoints that target it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := c.client()
			if err != nil {
				return err
			}
			if err := c.confirm(cmd, "Delete alias %s of %s and the endpoints that target it?", args[1], args[0]); err != nil {
				return err
			}
			if err := cl.DeleteAlias(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return c.done(cmd, "Deleted alias %s of %s.", args[1], args[0])
		},
	}
}
