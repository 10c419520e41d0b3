// Package migrations owns the sidecar's schema in MLflow's database: the SQL
// embedded per dialect (golang-migrate, version table
// mlflow_sidecar_schema_migrations), the decision who owns the six MCP
// registry tables, and the status `mlflow-sidecar migrate status` prints.
//
// MLflow's own tables and its alembic_version are never created, altered,
// dropped or written.
//
// # Ownership of the MCP tables
//
// MLflow 3.15 creates the MCP tables itself (alembic a8b9c0d1e2f3). The
// sidecar's migration 1 creates the same tables, byte for byte, for older
// MLflow versions. Up decides, under a cross-process lock:
//
//   - no MCP table exists: migrations run and create them; the owner is
//     "sidecar";
//   - all six exist and the sidecar's history did not create them: they are
//     MLflow's. Nothing is created; the migrations that would touch them are
//     recorded as applied without running; the columns the sidecar needs are
//     verified. The owner is "mlflow";
//   - anything else (some tables missing, an owner record whose tables are
//     gone, a missing column, a dirty or newer schema version) is refused
//     with a message naming what is wrong.
//
// The decision is kept in mlflow_sidecar_metadata (key mcp_tables_owner).
//
// # Handing the MCP tables over to MLflow
//
// Sidecar-owned tables would make `mlflow db upgrade` to 3.15 fail (its
// CREATE TABLE mcp_servers finds the table there), and the sidecar never
// writes alembic_version to skip that revision. PrepareHandover therefore
// moves the rows into holding tables without indexes or constraints, drops
// the MCP tables and sets the owner to "handover", in which Up and Current
// refuse; after the upgrade, CompleteHandover copies the rows into MLflow's
// tables, drops the holding tables and sets the owner to "mlflow". Each step
// is one transaction under the migration lock.
//
// Down exists for development only: on sidecar-owned tables it drops them with
// all their rows; on MLflow-owned tables it only rewinds the sidecar's own
// version table.
package migrations
