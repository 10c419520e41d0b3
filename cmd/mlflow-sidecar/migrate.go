package main

import (
	"fmt"
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

	parse := func() (mlflowdb.URI, error) {
		u, err := mlflowdb.ParseURI(uriFlag)
		if err != nil {
			return mlflowdb.URI{}, usageError{err}
		}
		return u, nil
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply pending migrations (creates the MCP tables unless MLflow already did)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := parse()
			if err != nil {
				return err
			}
			log, _ := telemetry.NewLogger(os.Stderr, "text", "info")
			st, err := migrations.Up(cmd.Context(), u, log)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), st.String())
			return st.Err()
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the schema version, who owns the MCP tables, and MLflow's revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := parse()
			if err != nil {
				return err
			}
			st, err := migrations.Inspect(cmd.Context(), u)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), st.String())
			return st.Err()
		},
	}
	cmd.AddCommand(up, status)
	return cmd
}
