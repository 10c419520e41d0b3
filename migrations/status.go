package migrations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Owner says who created the MCP tables, or that they are being handed over.
type Owner string

const (
	OwnerNone    Owner = "none yet" // no MCP tables exist
	OwnerSidecar Owner = "sidecar"  // the sidecar's migration 1 created them
	OwnerMLflow  Owner = "mlflow"   // MLflow's alembic created them
	// OwnerHandover: `migrate handover prepare` moved the sidecar's rows
	// into holding tables and dropped the MCP tables so that MLflow ≥ 3.15
	// can create its own; `migrate handover complete` moves the rows back.
	OwnerHandover Owner = "handover"
)

// Status describes the sidecar's schema in one database.
type Status struct {
	Database string // redacted URI
	Dialect  mlflowdb.Dialect

	Version uint // applied sidecar migration; 0 when none
	Dirty   bool // a migration failed part-way
	Latest  uint // newest embedded migration
	Pending int  // embedded migrations newer than Version

	Owner Owner
	// OwnerRecorded is false when Owner was inferred from the tables present
	// and Up has not yet recorded it.
	OwnerRecorded bool

	MLflowInitialised bool   // alembic_version exists
	MLflowRevision    string // its content when MLflowInitialised

	MissingTables  []string // MCP tables absent although some or the owner record exist
	MissingColumns []string // "table.column" the sidecar needs but MCP tables lack

	// Held are the hand-over's holding tables that exist, parents first, with
	// their row counts.
	Held []TableRows

	// Problems are the reasons Up refuses to run or the sidecar to start.
	Problems []string
}

// Err is nil when the schema is usable, else an error listing Problems.
func (s Status) Err() error {
	if len(s.Problems) == 0 {
		return nil
	}
	return errors.New("migrations: " + strings.Join(s.Problems, "; "))
}

// String renders the status as `mlflow-sidecar migrate status` prints it.
func (s Status) String() string {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k+":", v) }
	row("Database", s.Dialect.String()+" "+s.Database)
	if s.MLflowInitialised {
		rev := s.MLflowRevision
		if rev == "" {
			rev = "(alembic_version is empty)"
		}
		row("MLflow revision", rev)
	} else {
		row("MLflow revision", "not initialised (MLflow has not created its tables yet)")
	}
	version := "none"
	if s.Version > 0 {
		version = fmt.Sprint(s.Version)
	}
	if s.Dirty {
		version += " (dirty)"
	}
	row("Sidecar schema", fmt.Sprintf("version %s of %d, %d pending", version, s.Latest, s.Pending))
	owner := string(s.Owner)
	if s.Owner == OwnerMLflow && !s.OwnerRecorded {
		owner += " (detected; recorded on the next migrate up)"
	}
	row("MCP tables owner", owner)
	row("Missing tables", listOrNone(s.MissingTables))
	row("Missing columns", listOrNone(s.MissingColumns))
	if s.Owner == OwnerHandover || len(s.Held) > 0 {
		held := make([]string, len(s.Held))
		for i, h := range s.Held {
			held[i] = fmt.Sprintf("%s (%d rows)", h.Table, h.Rows)
		}
		row("Handover tables", listOrNone(held))
	}
	if len(s.Problems) == 0 {
		row("Problems", "none")
	} else {
		row("Problems", "")
		for _, p := range s.Problems {
			b.WriteString("  - " + p + "\n")
		}
	}
	return b.String()
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// Inspect reports the status without changing anything (it does not even
// create a missing SQLite file).
func Inspect(ctx context.Context, u mlflowdb.URI) (Status, error) {
	if err := requireSQLiteFile(u); err != nil {
		return Status{}, err
	}
	db, err := mlflowdb.Open(ctx, u, mlflowdb.Options{MaxConns: 2, ReadConns: 1})
	if err != nil {
		return Status{}, err
	}
	defer db.Close()
	return inspect(ctx, db)
}

// inspect reads everything Status needs in one snapshot and works out the
// problems.
func inspect(ctx context.Context, db *mlflowdb.DB) (Status, error) {
	var s Status
	err := db.Read(ctx, func(q mlflowdb.Querier) error {
		var err error
		s, err = readStatus(ctx, q, db.URI())
		return err
	})
	if err != nil {
		return Status{}, err
	}
	return s, nil
}

// readStatus is inspect on a Querier, so that a hand-over can judge the
// schema inside the transaction that changes it.
func readStatus(ctx context.Context, q mlflowdb.Querier, u mlflowdb.URI) (Status, error) {
	latest, err := Latest(u.Dialect)
	if err != nil {
		return Status{}, err
	}
	all, err := versions(u.Dialect)
	if err != nil {
		return Status{}, err
	}
	s := Status{Database: u.Redacted(), Dialect: u.Dialect, Latest: latest}
	if s.MLflowRevision, s.MLflowInitialised, err = mlflowdb.MLflowRevision(ctx, q); err != nil {
		return Status{}, err
	}
	var found schemaFacts
	if err := found.read(ctx, q); err != nil {
		return Status{}, err
	}
	s.Version, s.Dirty = found.version, found.dirty
	for _, v := range all {
		if v > s.Version {
			s.Pending++
		}
	}
	found.judge(&s)
	return s, nil
}
