package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlflow-sidecar/mlflow-sidecar/migrations"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/telemetry"
)

func newMigrateCmd() *cobra.Command {
	var uriFlag string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or inspect the sidecar's schema migrations (MLflow's own tables are never touched)",
	}
	pf := cmd.PersistentFlags()
	e := newEnvFlags(pf)
	pf.StringVar(&uriFlag, "backend-store-uri", "sqlite:///mlflow.db", "MLflow's backend store")
	e.env("backend-store-uri", "MLFLOW_BACKEND_STORE_URI")
	cmd.PersistentPreRunE = preRun(e)

	up := &cobra.Command{
		Use:   "up",
		Short: "Apply pending migrations (creates the MCP tables unless MLflow already did)",
		Args:  cobra.NoArgs,
		RunE: withStore(&uriFlag, func(cmd *cobra.Command, u mlflowdb.URI, log *slog.Logger) error {
			st, err := migrations.Up(cmd.Context(), u, log)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), st.String())
			return st.Err()
		}),
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the schema version, who owns the MCP tables, and MLflow's revision",
		Args:  cobra.NoArgs,
		RunE: withStore(&uriFlag, func(cmd *cobra.Command, u mlflowdb.URI, _ *slog.Logger) error {
			st, err := migrations.Inspect(cmd.Context(), u)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), st.String())
			return st.Err()
		}),
	}
	cmd.AddCommand(up, status, newHandoverCmd(&uriFlag))
	return cmd
}

// withStore is a subcommand's RunE: it parses the --backend-store-uri flag
// (read when the command runs, after flags and environment are applied) and
// hands it to fn with a logger on stderr.
func withStore(uriFlag *string, fn func(*cobra.Command, mlflowdb.URI, *slog.Logger) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		u, err := mlflowdb.ParseURI(*uriFlag)
		if err != nil {
			return usageError{err}
		}
		log, _ := telemetry.NewLogger(os.Stderr, "text", "info")
		return fn(cmd, u, log)
	}
}

// newHandoverCmd is the operator's procedure for upgrading MLflow to 3.15 on
// a database whose MCP tables the sidecar created (see README.md).
func newHandoverCmd(uriFlag *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "handover",
		Short: "Hand the sidecar's MCP tables over to MLflow 3.15 or later (prepare, mlflow db upgrade, complete)",
	}
	step := func(use, short string, run func(context.Context, mlflowdb.URI, *slog.Logger) (migrations.HandoverReport, error)) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: withStore(uriFlag, func(cmd *cobra.Command, u mlflowdb.URI, log *slog.Logger) error {
				r, err := run(cmd.Context(), u, log)
				if err != nil {
					return err
				}
				fmt.Fprint(cmd.OutOrStdout(), r.String())
				return nil
			}),
		}
	}
	cmd.AddCommand(
		step("prepare", "Before `mlflow db upgrade`: move the MCP tables' rows into holding tables and drop the MCP tables",
			migrations.PrepareHandover),
		step("complete", "After `mlflow db upgrade`: move the held rows into MLflow's new MCP tables",
			migrations.CompleteHandover),
	)
	return cmd
}
