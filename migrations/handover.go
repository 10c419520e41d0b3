package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// ErrHandoverRefused is wrapped by every refusal of PrepareHandover and
// CompleteHandover: the database is not in a state the step may change, and
// nothing was changed.
var ErrHandoverRefused = errors.New("hand-over refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("migrations: %w: %s", ErrHandoverRefused, fmt.Sprintf(format, args...))
}

type handoverStep int

const (
	stepPrepare handoverStep = iota + 1
	stepComplete
)

func (s handoverStep) String() string {
	if s == stepPrepare {
		return "prepare"
	}
	return "complete"
}

// HandoverReport is what a hand-over step did.
type HandoverReport struct {
	// Status is the schema's status after the step.
	Status Status
	// Moved lists the tables the step filled, parents first, with the rows
	// it copied into each: holding tables (prepare) or MLflow's MCP tables
	// (complete). Empty when nothing was done.
	Moved []TableRows
	// AlreadyDone is true when the database was already past the step;
	// nothing was changed.
	AlreadyDone bool

	step handoverStep
}

// PrepareHandover is the first step of handing sidecar-created MCP tables
// over to MLflow ≥ 3.15, whose `mlflow db upgrade` fails while tables of
// those names exist. In one transaction it copies each MCP table into a
// holding table (HandoverTablePrefix + name), drops the MCP tables and
// records the owner "handover", in which Up, and so `serve`, refuse to run.
//
// It refuses unless the sidecar owns the tables and its schema is current and
// without problems. On a database already prepared it changes nothing and
// reports AlreadyDone. It holds the lock Up takes.
func PrepareHandover(ctx context.Context, u mlflowdb.URI, log *slog.Logger) (HandoverReport, error) {
	return handover(ctx, u, log, stepPrepare)
}

// CompleteHandover is the second step, after `mlflow db upgrade` has created
// MLflow's own MCP tables. In one transaction it copies the held rows into
// them (parents first, explicit column lists), drops the holding tables and
// records the owner "mlflow"; the sidecar then runs on MLflow's tables.
//
// It refuses unless a hand-over is in progress, every holding table exists
// with its columns, and MLflow's six MCP tables exist, have the columns the
// sidecar needs and are empty. When MLflow owns the tables and nothing is
// held it changes nothing and reports AlreadyDone. It holds the lock Up
// takes.
func CompleteHandover(ctx context.Context, u mlflowdb.URI, log *slog.Logger) (HandoverReport, error) {
	return handover(ctx, u, log, stepComplete)
}

func handover(ctx context.Context, u mlflowdb.URI, log *slog.Logger, step handoverStep) (HandoverReport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := requireSQLiteFile(u); err != nil {
		return HandoverReport{}, err
	}
	r := HandoverReport{step: step}
	err := withLock(ctx, u, func(db *mlflowdb.DB) error {
		err := db.Write(ctx, func(q mlflowdb.Querier) error {
			// Write may run this again: start from nothing.
			r.Moved, r.AlreadyDone = nil, false
			st, err := readStatus(ctx, q, db.URI())
			if err != nil {
				return err
			}
			if step == stepPrepare {
				return prepare(ctx, q, st, &r)
			}
			return complete(ctx, q, st, &r)
		})
		if err != nil {
			return err
		}
		r.Status, err = inspect(ctx, db)
		return err
	})
	if err != nil {
		return HandoverReport{step: step}, err
	}
	var rows int64
	for _, m := range r.Moved {
		rows += m.Rows
	}
	log.Info("hand-over step done", "step", step.String(), "already_done", r.AlreadyDone, "rows_moved", rows,
		"mcp_tables_owner", string(r.Status.Owner))
	return r, nil
}

func prepare(ctx context.Context, q mlflowdb.Querier, st Status, r *HandoverReport) error {
	switch {
	case st.Owner == OwnerHandover:
		r.AlreadyDone = true
		return nil
	case st.Owner == OwnerMLflow:
		return refuse("MLflow owns the MCP tables already (MCP tables owner: mlflow): there is nothing to hand over")
	case st.Owner != OwnerSidecar:
		return refuse("no MCP tables created by the sidecar exist (MCP tables owner: %s): there is nothing to hand over", st.Owner)
	case len(st.Held) > 0:
		return refuse("holding tables of an earlier hand-over exist (%s) and may hold the only copy of registry rows: restore or drop them by hand first",
			heldNames(st.Held))
	case st.Err() != nil:
		return refuse("the sidecar's schema has problems; fix them first: %s", strings.Join(st.Problems, "; "))
	case st.Pending > 0:
		return refuse("%d sidecar migration(s) pending: run `mlflow-sidecar migrate up` first", st.Pending)
	}
	// A column outside RequiredColumns would not be carried over.
	for _, tc := range RequiredColumns {
		_, extra, err := columnMismatch(ctx, q, tc.Table, tc.Columns)
		if err != nil {
			return err
		}
		if len(extra) > 0 {
			return refuse("the MCP tables have columns the hand-over would not carry over: %s", strings.Join(extra, ", "))
		}
	}
	if err := lockMCPTables(ctx, q); err != nil {
		return err
	}
	for _, tc := range RequiredColumns {
		if _, err := q.Exec(ctx, holdSQL(tc)); err != nil {
			return fmt.Errorf("migrations: holding the rows of %s: %w", tc.Table, err)
		}
		n, err := countRows(ctx, q, holdingTable(tc.Table))
		if err != nil {
			return err
		}
		r.Moved = append(r.Moved, TableRows{holdingTable(tc.Table), n})
	}
	// Children first, so that no foreign key (or SQLite's implicit delete
	// with ON DELETE CASCADE) ever sees a missing parent.
	for i := len(RequiredColumns) - 1; i >= 0; i-- {
		if _, err := q.Exec(ctx, dropSQL(RequiredColumns[i].Table)); err != nil {
			return fmt.Errorf("migrations: dropping %s: %w", RequiredColumns[i].Table, err)
		}
	}
	return setOwner(ctx, q, OwnerSidecar, OwnerHandover)
}

func complete(ctx context.Context, q mlflowdb.Querier, st Status, r *HandoverReport) error {
	switch {
	case st.Owner == OwnerMLflow && len(st.Held) == 0:
		r.AlreadyDone = true
		return nil
	case st.Owner != OwnerHandover:
		held := ""
		if len(st.Held) > 0 {
			held = "; holding tables exist (" + heldNames(st.Held) + "): check them by hand"
		}
		return refuse("no hand-over is in progress (MCP tables owner: %s): run `mlflow-sidecar migrate handover prepare` first%s", st.Owner, held)
	case len(st.Held) < len(RequiredColumns):
		var missing []string
		for _, tc := range RequiredColumns {
			if !slices.ContainsFunc(st.Held, func(h TableRows) bool { return h.Table == holdingTable(tc.Table) }) {
				missing = append(missing, holdingTable(tc.Table))
			}
		}
		return refuse("the hand-over's holding tables %s are missing: restore them from a backup", strings.Join(missing, ", "))
	case len(st.MissingTables) > 0:
		return refuse("MLflow has not created the MCP tables (missing: %s): upgrade MLflow to 3.15 or later and run `mlflow db upgrade` first",
			strings.Join(st.MissingTables, ", "))
	case len(st.MissingColumns) > 0:
		return refuse("MLflow's MCP tables lack columns the sidecar needs: %s (MLflow's schema is older or newer than the one the sidecar supports)",
			strings.Join(st.MissingColumns, ", "))
	}
	for _, tc := range RequiredColumns {
		missing, extra, err := columnMismatch(ctx, q, holdingTable(tc.Table), tc.Columns)
		if err != nil {
			return err
		}
		if len(missing)+len(extra) > 0 {
			return refuse("holding table %s no longer has the columns prepare gave it (missing: %s; extra: %s)",
				holdingTable(tc.Table), listOrNone(missing), listOrNone(extra))
		}
	}
	if err := lockMCPTables(ctx, q); err != nil {
		return err
	}
	var filled []string
	for _, tc := range RequiredColumns {
		n, err := countRows(ctx, q, tc.Table)
		if err != nil {
			return err
		}
		if n > 0 {
			filled = append(filled, fmt.Sprintf("%s (%d rows)", tc.Table, n))
		}
	}
	if len(filled) > 0 {
		return refuse("MLflow's MCP tables are not empty (%s): the sidecar will not merge its rows with rows it did not write: remove those rows, then run complete again",
			strings.Join(filled, ", "))
	}
	// Parents first, so that every foreign key holds as each row arrives.
	for i, tc := range RequiredColumns {
		n, err := q.Exec(ctx, restoreSQL(tc))
		if err != nil {
			return fmt.Errorf("migrations: copying %s back: %w", holdingTable(tc.Table), err)
		}
		if held := st.Held[i]; n != held.Rows {
			return fmt.Errorf("migrations: copying %s back: %d rows copied, %d held", held.Table, n, held.Rows)
		}
		r.Moved = append(r.Moved, TableRows{tc.Table, n})
	}
	for _, tc := range RequiredColumns {
		if _, err := q.Exec(ctx, dropSQL(holdingTable(tc.Table))); err != nil {
			return fmt.Errorf("migrations: dropping %s: %w", holdingTable(tc.Table), err)
		}
	}
	return setOwner(ctx, q, OwnerHandover, OwnerMLflow)
}

func heldNames(held []TableRows) string {
	names := make([]string, len(held))
	for i, h := range held {
		names[i] = h.Table
	}
	return strings.Join(names, ", ")
}

// String renders the report as `mlflow-sidecar migrate handover` prints it.
func (r HandoverReport) String() string {
	var b strings.Builder
	moved := func() {
		width := 0
		for _, m := range r.Moved {
			width = max(width, len(m.Table)+1)
		}
		for _, m := range r.Moved {
			fmt.Fprintf(&b, "  %-*s %d rows\n", width, m.Table+":", m.Rows)
		}
	}
	switch {
	case r.step == stepPrepare && r.AlreadyDone:
		b.WriteString("A hand-over is already prepared (MCP tables owner: handover); nothing changed.\n")
	case r.step == stepPrepare:
		b.WriteString("Copied the MCP tables' rows into holding tables and dropped the MCP tables:\n")
		moved()
		b.WriteString("MCP tables owner: handover. Sidecars on this database refuse to start until the hand-over is complete.\n")
	case r.AlreadyDone:
		b.WriteString("MLflow owns the MCP tables and no hand-over is in progress; nothing changed.\n")
	default:
		b.WriteString("Copied the held rows into MLflow's MCP tables and dropped the holding tables:\n")
		moved()
		b.WriteString("MCP tables owner: mlflow. Start the sidecars: they use MLflow's MCP tables from now on.\n")
	}
	if r.step == stepPrepare {
		b.WriteString(handoverSteps)
	}
	return b.String()
}

const handoverSteps = `
Next steps:
  1. Stop every mlflow-sidecar using this database.
  2. Upgrade MLflow to 3.15 or later and run ` + "`mlflow db upgrade <backend-store-uri>`" + `.
     Register no MCP server through MLflow yet: complete needs MLflow's MCP tables empty.
  3. Run ` + "`mlflow-sidecar migrate handover complete --backend-store-uri ...`" + `, then start the sidecars.
`
