// Command sidecar-loadgen measures the built sidecar from the outside and
// writes Markdown sections for BENCHMARKS.md. Modes:
//
//   - proxy (default): what the reverse proxy costs. A fake MLflow, the
//     sidecar in front of it (the mlflow-sidecar binary, or proxy.Router in
//     a child process or in-process), requests per second and latency
//     directly against MLflow and through the sidecar, then large bodies
//     streamed through the sidecar while its peak resident memory is
//     watched.
//   - registry: the MCP registry on PostgreSQL. A fresh database seeded
//     with 10,000 servers × 10 versions and 50,000 endpoints, the binary
//     serving it, and every read scenario against its floor (the same
//     question as one indexed statement behind a minimal HTTP handler),
//     deep pages against the first, and registration throughput.
//   - gobench: a summary of `go test -bench` output (floor ratios,
//     percentiles, the raw figures).
//
// With -out FILE the section replaces its previous version in FILE (other
// sections and hand-written text stay), so that `make bench` regenerates
// BENCHMARKS.md in place.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type options struct {
	mode, out, section string

	sidecar     string
	inProcess   bool
	workers     int
	duration    time.Duration
	warmup      time.Duration
	postSize    int64
	streamSize  int64
	delay       time.Duration
	skipStreams bool
	procs       int
	rounds      int

	databaseURL string
	scale       scale
	keepDB      bool

	goBench, goBenchCmd string
}

func (o options) timing() timing {
	return timing{rounds: o.rounds, warmup: o.warmup, duration: o.duration}
}

func main() {
	var o options
	runProxy := flag.Bool("run-proxy", false, "internal: serve proxy.Router in front of -upstream (the child process)")
	upstream := flag.String("upstream", "", "internal: upstream URL for -run-proxy")
	runFloor := flag.String("run-floor", "", "internal: serve the registry floor on this database URL (the child process)")
	flag.StringVar(&o.mode, "mode", "proxy", "proxy, registry or gobench")
	flag.StringVar(&o.out, "out", "", "write the section into this Markdown file (replacing its previous version) instead of stdout")
	flag.StringVar(&o.section, "section", "", "name of the section in -out (default: from the mode and its settings)")
	flag.StringVar(&o.sidecar, "sidecar", "", "path of a built mlflow-sidecar binary (required by -mode registry); empty: proxy.Router in a child process")
	flag.BoolVar(&o.inProcess, "in-process", false, "proxy mode: serve proxy.Router inside this process (for profiling; memory figures then include the generator)")
	flag.IntVar(&o.workers, "c", 0, "concurrent keep-alive workers (0: 32 in proxy mode, 8 in registry mode)")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "measured duration of each load run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each load run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per comparison, each running every side in rotated order (evens out background load)")
	flag.IntVar(&o.procs, "sidecar-gomaxprocs", 0, "GOMAXPROCS of the sidecar process (and of the floor) (0: Go's default)")
	flag.Int64Var(&o.postSize, "post-size", 1<<20, "proxy mode: body size of the POST workload")
	flag.Int64Var(&o.streamSize, "stream-size", 2<<30, "proxy mode: bytes uploaded and downloaded in the streaming runs")
	flag.DurationVar(&o.delay, "upstream-delay", 0, "proxy mode: service time the fake MLflow adds to the GET and POST (0: answer at once)")
	flag.BoolVar(&o.skipStreams, "skip-streams", false, "proxy mode: skip the streaming runs")
	flag.StringVar(&o.databaseURL, "database-url", defaultDatabaseURL(), "registry mode: PostgreSQL server to create the benchmark database on (default from "+EnvDatabaseURL+")")
	flag.IntVar(&o.scale.servers, "servers", 10_000, "registry mode: servers to seed (each with 10 versions)")
	flag.IntVar(&o.scale.endpoints, "endpoints", 50_000, "registry mode: access endpoints to seed")
	flag.BoolVar(&o.keepDB, "keep-db", false, "registry mode: keep the benchmark database afterwards (its name is printed)")
	flag.StringVar(&o.goBench, "go-bench", "", "gobench mode: the saved output of go test -bench")
	flag.StringVar(&o.goBenchCmd, "go-bench-command", "", "gobench mode: the command that produced -go-bench, for the report")
	flag.Parse()

	var err error
	switch {
	case *runProxy:
		err = runProxyChild(*upstream)
	case *runFloor != "":
		err = runFloorChild(*runFloor)
	default:
		err = runMode(o, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sidecar-loadgen:", err)
		os.Exit(1)
	}
}

// runMode runs o.mode and writes its section to out, or into o.out.
func runMode(o options, out, progress io.Writer) error {
	var buf bytes.Buffer
	var err error
	switch o.mode {
	case "proxy":
		if o.workers == 0 {
			o.workers = 32
		}
		err = runProxyBench(o, &buf, progress)
	case "registry":
		if o.workers == 0 {
			o.workers = 8
		}
		err = runRegistryBench(o, &buf, progress)
	case "gobench":
		err = summariseGoBench(o, &buf)
	default:
		err = fmt.Errorf("-mode %q: want proxy, registry or gobench", o.mode)
	}
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err = out.Write(buf.Bytes())
		return err
	}
	if err := writeSection(o.out, sectionName(o), buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(progress, "wrote section %q of %s\n", sectionName(o), o.out)
	return nil
}

// sectionName tells runs apart that must not replace each other: the
// proxy with and without upstream delay, the registry, the Go benchmarks.
func sectionName(o options) string {
	switch {
	case o.section != "":
		return o.section
	case o.mode == "proxy" && o.delay > 0:
		return "proxy-upstream-delay-" + o.delay.String()
	}
	return o.mode
}

func commandLine() string {
	return strings.Join(append([]string{"sidecar-loadgen"}, os.Args[1:]...), " ")
}
