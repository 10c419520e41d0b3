package migrations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Owner says who created the MCP tables.
type Owner string

const (
	OwnerNone    Owner = "none yet" // no MCP tables exist
	OwnerSidecar Owner = "sidecar"  // the sidecar's migration 1 created them
	OwnerMLflow  Owner = "mlflow"   // MLflow's alembic created them
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
	latest, err := Latest(db.Dialect())
	if err != nil {
		return Status{}, err
	}
	all, err := versions(db.Dialect())
	if err != nil {
		return Status{}, err
	}
	s := Status{Database: db.URI().Redacted(), Dialect: db.Dialect(), Latest: latest}
	var found schemaFacts
	err = db.Read(ctx, func(q mlflowdb.Querier) error {
		found = schemaFacts{}
		var err error
		if s.MLflowRevision, s.MLflowInitialised, err = mlflowdb.MLflowRevision(ctx, q); err != nil {
			return err
		}
		return found.read(ctx, q)
	})
	if err != nil {
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
