// Command mlflow-sidecar runs beside an MLflow tracking server, shares its
// database, serves an MCP server registry and proxies everything else to
// MLflow. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mlflow-sidecar:", err)
		os.Exit(exitCode(err))
	}
}

func newRootCmd() *cobra.Command {
	serve := newServeCmd()
	root := &cobra.Command{
		Use:   "mlflow-sidecar",
		Short: "An MCP server registry and trace linking beside MLflow, sharing its database",
		Long: "mlflow-sidecar runs in front of an MLflow tracking server. It serves MLflow 3.15's MCP server\n" +
			"registry API itself, on MLflow's own database, and proxies every other request to MLflow unchanged.\n" +
			"Without a subcommand it runs `serve`.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Flags of serve are accepted without the subcommand name too.
		Args: cobra.NoArgs,
		RunE: serve.RunE,
	}
	root.Flags().AddFlagSet(serve.Flags())
	root.PreRunE = serve.PreRunE
	root.AddCommand(serve, newMigrateCmd(), newVersionCmd())
	root.AddCommand(newMCPServersCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "mlflow-sidecar", version)
		},
	}
}

// exitCode distinguishes usage errors from failures at run time.
func exitCode(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

type usageError struct{ error }
