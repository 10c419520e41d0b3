package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// runRegistryBench measures the registry as a client sees it: a fresh
// database with the sidecar's migrations (applied by the binary), the data
// set seeded in bulk, the binary serving it with --auth none, and every
// scenario against its floor.
func runRegistryBench(o options, out, progress io.Writer) (err error) {
	if o.sidecar == "" {
		return errors.New("-mode registry needs -sidecar (a built mlflow-sidecar binary)")
	}
	if o.scale.servers < 1 || o.scale.endpoints < 0 {
		return fmt.Errorf("-servers %d -endpoints %d: want at least one server", o.scale.servers, o.scale.endpoints)
	}
	ctx := context.Background()
	db, err := createDatabase(ctx, o.databaseURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "registry: created database %s\n", db.name)
	if !o.keepDB {
		defer func() {
			if derr := db.drop(); derr != nil && err == nil {
				err = fmt.Errorf("dropping database %s: %w", db.name, derr)
			}
		}()
	}
	rep := regReport{command: commandLine(), opts: o, loadBefore: loadAvg()}
	if err := migrateUp(o.sidecar, db.url); err != nil {
		return err
	}
	if err := seedDatabase(ctx, db.url, o.scale, &rep, progress); err != nil {
		return err
	}

	// The sidecar proxies what it does not serve: a fake MLflow stands by.
	upstreamURL, dir, cleanup, err := fakeAndScratch(0, 0)
	if err != nil {
		return err
	}
	defer cleanup()
	sc, err := startBinary(o.sidecar, upstreamURL, db.url, dir, o.procs, "--auth", "none")
	if err != nil {
		return err
	}
	defer sc.stop()
	if err := waitReady(sc.url, nativeBase+"?max_results=1", 30*time.Second); err != nil {
		return err
	}
	fl, err := startSelf("floor (`sidecar-loadgen -run-floor`)", o.procs, "-run-floor", db.url)
	if err != nil {
		return err
	}
	defer fl.stop()
	if err := waitReady(fl.url, "/server?name="+url.QueryEscape(seedServerName(0)), 30*time.Second); err != nil {
		return err
	}
	rep.sidecar = sc.desc

	t := regTargets{sidecar: sc.url, floor: fl.url, scale: o.scale}
	c := newClient(1)
	fmt.Fprintln(progress, "registry: walking to the last search page, checking every scenario against its floor...")
	pages, err := pageScenario(c, t)
	if err != nil {
		return fmt.Errorf("paging the server search: %w", err)
	}
	// Registration last: it adds rows.
	rep.scenarios = append(readScenarios(t), pages, walkScenario(t, ""), walkScenario(t, topics[0]), registerScenario(t))
	for _, s := range rep.scenarios {
		if err := s.check(c); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	c.CloseIdleConnections()
	for _, s := range rep.scenarios {
		fmt.Fprintf(progress, "registry: %s\n", s.name)
		if s.res, err = runSides(s.name, s.sides, o.workers, o.timing(), progress); err != nil {
			return err
		}
	}
	rep.loadAfter = loadAvg()
	rep.sidecarPeak, _ = procStatusKiB(sc.pid, "VmHWM")
	rep.floorPeak, _ = procStatusKiB(fl.pid, "VmHWM")
	rep.write(out)
	return nil
}

// seedDatabase seeds the data set and records what it holds.
func seedDatabase(ctx context.Context, dbURL string, s scale, rep *regReport, progress io.Writer) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	fmt.Fprintf(progress, "registry: seeding %d servers × %d versions, %d endpoints...\n", s.servers, len(planVersions), s.endpoints)
	if rep.seed, err = seed(ctx, pool, s); err != nil {
		return err
	}
	return pool.QueryRow(ctx, "SELECT current_setting('server_version'), pg_size_pretty(pg_database_size(current_database()))").
		Scan(&rep.pgVersion, &rep.dbSize)
}
