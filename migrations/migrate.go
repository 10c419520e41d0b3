package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Up brings the sidecar's schema to the latest embedded version, deciding
// (once, under a lock that other sidecars starting at the same time respect)
// whether the MCP tables are the sidecar's or MLflow's. On refusal it returns
// the status together with an error naming what is wrong.
func Up(ctx context.Context, u mlflowdb.URI, log *slog.Logger) (Status, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var st Status
	err := withLock(ctx, u, func(db *mlflowdb.DB) error {
		if err := db.Write(ctx, func(q mlflowdb.Querier) error {
			_, err := q.Exec(ctx, createMetadataSQL)
			return err
		}); err != nil {
			return fmt.Errorf("migrations: creating %s: %w", metadataTable, err)
		}
		var err error
		if st, err = inspect(ctx, db); err != nil {
			return err
		}
		if err := st.Err(); err != nil {
			return err
		}
		if st.Owner == OwnerMLflow && !st.OwnerRecorded {
			log.Info("MCP tables were created by MLflow; the sidecar uses them as they are and will not change them")
			if err := db.Write(ctx, func(q mlflowdb.Querier) error {
				_, err := q.Exec(ctx, recordOwnerSQL, string(OwnerMLflow))
				return err
			}); err != nil {
				return fmt.Errorf("migrations: recording the MCP table owner: %w", err)
			}
		}
		if st.Pending > 0 {
			if err := apply(u, log, st); err != nil {
				return err
			}
		}
		if st, err = inspect(ctx, db); err != nil {
			return err
		}
		return st.Err()
	})
	if err == nil {
		log.Info("sidecar schema is current", "version", st.Version, "mcp_tables_owner", string(st.Owner),
			"mlflow_revision", st.MLflowRevision, "database", st.Database)
	}
	return st, err
}

// apply runs the pending migrations. With MLflow-owned tables, the migrations
// that would create or change them are recorded without running.
func apply(u mlflowdb.URI, log *slog.Logger, st Status) error {
	return withMigrate(u, log, func(m *migrate.Migrate, vs []uint) error {
		if st.Owner != OwnerMLflow {
			if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
				return fmt.Errorf("migrations: up: %w", err)
			}
			return nil
		}
		for _, v := range vs {
			var err error
			switch {
			case v <= st.Version:
			case mcpMigrations[v]:
				log.Info("recording migration without running it: MLflow owns the MCP tables", "version", v)
				err = m.Force(int(v))
			default:
				err = m.Migrate(v)
			}
			if err != nil {
				return fmt.Errorf("migrations: version %d: %w", v, err)
			}
		}
		return nil
	})
}

// Down reverts every sidecar migration. It is for development only: on
// sidecar-owned tables it drops the MCP tables and all their rows. On
// MLflow-owned tables it never touches them and only rewinds the sidecar's
// version table.
func Down(ctx context.Context, u mlflowdb.URI, log *slog.Logger) (Status, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var st Status
	err := withLock(ctx, u, func(db *mlflowdb.DB) error {
		var err error
		if st, err = inspect(ctx, db); err != nil {
			return err
		}
		if st.Dirty {
			return st.Err()
		}
		if st.Owner == OwnerHandover {
			// The MCP tables are gone and the holding tables hold the only
			// copy of the registry: the down migration has nothing to drop.
			return fmt.Errorf("migrations: a hand-over to MLflow is in progress (the registry's rows are in the %s* tables): run `mlflow-sidecar migrate handover complete`, not down",
				HandoverTablePrefix)
		}
		if st.Version > 0 {
			if err := revert(u, log, st); err != nil {
				return err
			}
		}
		if st.Owner == OwnerMLflow && st.OwnerRecorded {
			if err := db.Write(ctx, func(q mlflowdb.Querier) error {
				_, err := q.Exec(ctx, deleteOwnerSQL)
				return err
			}); err != nil {
				return err
			}
		}
		st, err = inspect(ctx, db)
		return err
	})
	return st, err
}

func revert(u mlflowdb.URI, log *slog.Logger, st Status) error {
	return withMigrate(u, log, func(m *migrate.Migrate, vs []uint) error {
		if st.Owner != OwnerMLflow {
			if err := m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
				return fmt.Errorf("migrations: down: %w", err)
			}
			return nil
		}
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if v > st.Version {
				continue
			}
			prev := database.NilVersion
			if i > 0 {
				prev = int(vs[i-1])
			}
			var err error
			if mcpMigrations[v] {
				err = m.Force(prev)
			} else {
				err = m.Steps(-1)
			}
			if err != nil {
				return fmt.Errorf("migrations: reverting version %d: %w", v, err)
			}
		}
		return nil
	})
}

// Current is the readiness check: the sidecar's schema version equals the
// newest embedded one and is not dirty, and no hand-over to MLflow is in
// progress (a sidecar left running through `migrate handover prepare` has no
// MCP tables to serve). It runs three small queries.
func Current(ctx context.Context, q mlflowdb.Querier) error {
	latest, err := Latest(q.Dialect())
	if err != nil {
		return err
	}
	ok, err := mlflowdb.TableExists(ctx, q, VersionTable)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("migrations: the sidecar's schema is not installed; run `mlflow-sidecar migrate up`")
	}
	var version int64
	var dirty bool
	switch err := q.QueryRow(ctx, readVersionSQL).Scan(&version, &dirty); {
	case errors.Is(err, mlflowdb.ErrNoRows):
		return fmt.Errorf("migrations: no sidecar migration applied; run `mlflow-sidecar migrate up`")
	case err != nil:
		return err
	case dirty:
		return fmt.Errorf("migrations: sidecar schema version %d is dirty (a migration failed part-way)", version)
	case version != int64(latest):
		return fmt.Errorf("migrations: sidecar schema version is %d, this sidecar needs %d; run `mlflow-sidecar migrate up`",
			version, latest)
	}
	var owner string
	switch err := q.QueryRow(ctx, readOwnerSQL).Scan(&owner); {
	case errors.Is(err, mlflowdb.ErrNoRows):
	case err != nil:
		return fmt.Errorf("migrations: reading the MCP table owner: %w", err)
	case Owner(owner) == OwnerHandover:
		return fmt.Errorf("migrations: the MCP tables are being handed over to MLflow: stop this sidecar until `mlflow-sidecar migrate handover complete` has run")
	}
	return nil
}

// withMigrate runs fn with a golang-migrate instance on u and the embedded
// versions of u's dialect, ascending.
func withMigrate(u mlflowdb.URI, log *slog.Logger, fn func(*migrate.Migrate, []uint) error) error {
	vs, err := versions(u.Dialect)
	if err != nil {
		return err
	}
	dir, err := dialectDir(u.Dialect)
	if err != nil {
		return err
	}
	src, err := iofs.New(files, dir)
	if err != nil {
		return err
	}
	sqlDB, err := mlflowdb.OpenSQL(u)
	if err != nil {
		return err
	}
	var drv database.Driver
	if u.Dialect == mlflowdb.Postgres {
		drv, err = migratepgx.WithInstance(sqlDB, &migratepgx.Config{MigrationsTable: VersionTable})
	} else {
		drv, err = migratesqlite.WithInstance(sqlDB, &migratesqlite.Config{MigrationsTable: VersionTable})
	}
	if err != nil {
		sqlDB.Close()
		return fmt.Errorf("migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, u.Dialect.String(), drv)
	if err != nil {
		drv.Close()
		return fmt.Errorf("migrations: %w", err)
	}
	defer m.Close()
	m.Log = migrateLog{log}
	return fn(m, vs)
}

// migrateLog sends golang-migrate's progress lines to slog.
type migrateLog struct{ l *slog.Logger }

func (l migrateLog) Printf(format string, v ...any) {
	l.l.Info(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
func (l migrateLog) Verbose() bool { return false }
