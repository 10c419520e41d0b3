package store_test

import (
	"context"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// TestReadIsReadOnly: a change inside Read is refused before it reaches
// the database, in autocommit mode and in the snapshot transaction alike.
func TestReadIsReadOnly(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		st := store.New(e.db)
		ctx := context.Background()
		for _, lookupFirst := range []bool{false, true} {
			runs := 0
			err := st.Read(ctx, func(tx mcpregistry.Tx) error {
				runs++
				if lookupFirst {
					if _, err := tx.Version(ctx, "default", "io.acme/x", "1.0.0"); err != nil {
						return err
					}
				}
				_, err := tx.InsertServer(ctx, &mcpregistry.Server{Workspace: "default", Name: "io.acme/x"})
				return err
			})
			if err == nil {
				t.Errorf("lookup first %v: insert in a read succeeded", lookupFirst)
			}
			if want := map[bool]int{false: 1, true: 2}[lookupFirst]; runs != want {
				t.Errorf("lookup first %v: fn ran %d times, want %d (a lookup moves the read into a transaction)", lookupFirst, runs, want)
			}
		}
		if n := e.count("mcp_servers", "1 = 1"); n != 0 {
			t.Errorf("%d servers written through Read", n)
		}
	})
}

// TestReadSnapshot: a read of several statements sees one snapshot, so a
// view it assembles never mixes two states of a server.
func TestReadSnapshot(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name = "io.acme/snap"
		e.mustRegister(name, "1.0.0", "")
		st := store.New(e.db)
		ctx := context.Background()
		var before, after *mcpregistry.Version
		written := make(chan error, 1)
		started, waited := false, false
		err := st.Read(ctx, func(tx mcpregistry.Tx) error {
			if _, err := tx.Version(ctx, "default", name, "1.0.0"); err != nil {
				return err // in autocommit mode: this lookup asks for the transaction
			}
			var err error
			if before, err = tx.Latest(ctx, "default", name); err != nil {
				return err
			}
			if !started {
				started = true
				go func() { _, err := e.register(e.alice, name, "2.0.0", "active"); written <- err }()
			}
			// PostgreSQL commits the write while the read is open. SQLite in
			// MLflow's rollback-journal mode makes the writer wait for the
			// reader instead, so waiting here would deadlock.
			if e.db.Dialect() == mlflowdb.Postgres {
				if err := <-written; err != nil {
					return err
				}
				waited = true
			}
			after, err = tx.Latest(ctx, "default", name)
			return err
		})
		e.must(err)
		if !waited {
			e.must(<-written)
		}
		if before == nil || after == nil || before.Version != "1.0.0" || after.Version != "1.0.0" {
			t.Errorf("latest inside one read: %v then %v, want 1.0.0 both times", before, after)
		}
		if got := e.server(name).Latest.Version; got != "2.0.0" {
			t.Errorf("latest after the read = %s", got)
		}
	})
}
