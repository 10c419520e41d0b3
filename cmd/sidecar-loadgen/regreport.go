package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// Goals of the registry issues.
const (
	goalReadOfFloor   = 0.60 // reads: at least this fraction of the floor's throughput
	goalDeepPage      = 1.5  // a deep page at most this many times slower than the first
	goalVersionsPerS  = 500  // registrations per second
	goalPageTolerance = 1.5  // "every page as fast as the first": the deep-page tolerance
)

type regReport struct {
	command, sidecar      string
	opts                  options
	seed                  seedStats
	pgVersion, dbSize     string
	scenarios             []*scenario
	loadBefore, loadAfter string
	sidecarPeak           int64 // KiB
	floorPeak             int64
}

func (r regReport) write(w io.Writer) {
	o, st := r.opts, r.seed
	fmt.Fprintf(w, "## MCP registry on PostgreSQL (%s)\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "- Command: `%s`\n", r.command)
	fmt.Fprintf(w, "- Machine: %d CPUs (%s), %s %s/%s, PostgreSQL %s on the same machine\n", runtime.NumCPU(), cpuModel(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, r.pgVersion)
	fmt.Fprintf(w, "- Sidecar: %s, `--auth none`, on a fresh database migrated by the binary (`migrate up`)\n", r.sidecar)
	fmt.Fprintf(w, "- Data: %d servers × %d versions (%d version rows: deprecated, active (none on a seventh of the servers), drafts, a deleted one on a thirteenth; "+
		"server.json with $schema, a package and a remote; tools on two versions), %d aliases, %d server tags, %d access endpoints "+
		"(latest, alias and version targets) on %d servers; %s on disk. Seeded by COPY in %s, in the stored form the registry "+
		"writes (same canonicalisation code); through the API at the registration rate below it would take %s.\n",
		st.servers, len(planVersions), st.versions, st.aliases, st.tags, st.endpoints, st.holders, r.dbSize,
		st.took.Round(100*time.Millisecond), r.apiSeedTime())
	fmt.Fprintf(w, "- Floor: the same question as one indexed statement (pgx, pool of 8, jit off, as the sidecar) behind a bare "+
		"net/http handler writing the rows as JSON, in its own process: a server or version by primary key, latest as one "+
		"ordered lookup, searches over `mcp_servers` with the filter as a plain predicate or EXISTS, the endpoint list by id, the "+
		"published versions by (name, version). It returns table rows only; the sidecar returns MLflow's views (latest, "+
		"aliases, tags, endpoints and their resolved versions).\n")
	fmt.Fprintf(w, "- Closed loop, %d keep-alive workers; per scenario %d rounds, every side once per round in rotated order, "+
		"each %s measured after %s warm-up; percentiles over all rounds' samples. Native searches use max_results=%d. "+
		"Load average %s before, %s after (generator, sidecar, floor and PostgreSQL share the machine).\n\n",
		o.workers, o.rounds, o.duration, o.warmup, searchPage, r.loadBefore, r.loadAfter)

	fmt.Fprintln(w, "| scenario | side | req/s | p50 | p99 | response | throughput vs floor |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, s := range r.scenarios {
		for i, sd := range s.sides {
			res, vs := s.res[i], ""
			if f := s.floorOf(i); f >= 0 {
				vs = pct(res.rps() / s.res[f].rps())
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %s |\n", s.name, sd.name, res.rps(), ms(res.quantile(0.5)),
				ms(res.quantile(0.99)), kib(res.size()), vs)
		}
	}
	r.writeGoals(w)
	fmt.Fprintf(w, "\nPeak resident memory over the run: sidecar %.1f MiB, floor %.1f MiB.\n", float64(r.sidecarPeak)/1024, float64(r.floorPeak)/1024)
}

func (r regReport) writeGoals(w io.Writer) {
	fmt.Fprintf(w, "\nGoals:\n\n")
	var reads []string
	for _, s := range r.scenarios {
		if s.kind == kindWrite {
			continue
		}
		for i := range s.sides {
			if f := s.floorOf(i); f >= 0 {
				ratio := s.res[i].rps() / s.res[f].rps()
				reads = append(reads, fmt.Sprintf("  - %s%s: %s: %s", s.name, sideSuffix(s, i), pct(ratio), verdict(ratio >= goalReadOfFloor)))
			}
		}
	}
	fmt.Fprintf(w, "- Reads at least %s of the floor's throughput:\n%s\n", pct(goalReadOfFloor), strings.Join(reads, "\n"))
	for _, s := range r.scenarios {
		switch s.kind {
		case kindPages:
			slow := s.res[0].rps() / s.res[1].rps()
			fmt.Fprintf(w, "- %s within %.1f× of page 1: %s (page 1 %.0f req/s, %s: %.0f req/s, %.2f×; p50 %s vs %s).\n",
				s.sides[1].name, goalDeepPage, verdict(slow <= goalDeepPage), s.res[0].rps(), s.sides[1].name, s.res[1].rps(), slow,
				ms(s.res[0].quantile(0.5)), ms(s.res[1].quantile(0.5)))
		case kindWalk:
			slow := s.res[0].rps() / s.res[1].rps()
			fmt.Fprintf(w, "- %s: every page as fast as the first (within %.1f×): %s (first page %.0f req/s, walking all %d pages "+
				"(%d entries) %.0f pages/s, %.2f×; p99 %s vs %s; the floor's walk %.2f×).\n", s.name, goalPageTolerance,
				verdict(slow <= goalPageTolerance), s.res[0].rps(), s.walk.pages, s.walk.entries, s.res[1].rps(), slow,
				ms(s.res[0].quantile(0.99)), ms(s.res[1].quantile(0.99)), s.res[2].rps()/s.res[3].rps())
		case kindWrite:
			fmt.Fprintf(w, "- Registration at least %d versions/s: %s (%.0f versions/s with %d workers; the one-INSERT floor %.0f/s).\n",
				goalVersionsPerS, verdict(s.res[0].rps() >= goalVersionsPerS), s.res[0].rps(), r.opts.workers, s.res[1].rps())
		}
	}
}

func sideSuffix(s *scenario, i int) string {
	if s.kind == kindRead {
		return ""
	}
	return " (" + strings.TrimPrefix(s.sides[i].name, "sidecar ") + ")"
}

// apiSeedTime is how long registering every seeded version through the API
// would take at the measured registration rate.
func (r regReport) apiSeedTime() string {
	for _, s := range r.scenarios {
		if s.kind == kindWrite && s.res != nil && s.res[0].rps() > 0 {
			return time.Duration(float64(r.seed.versions) / s.res[0].rps() * float64(time.Second)).Round(time.Second).String()
		}
	}
	return "?"
}

func ms(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
