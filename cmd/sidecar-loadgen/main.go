// Command sidecar-loadgen measures what the sidecar's reverse proxy costs.
// It starts a fake MLflow, starts the sidecar in front of it (the
// mlflow-sidecar binary, or proxy.Router in a child process or in-process),
// and compares requests per second and latency directly against MLflow and
// through the sidecar, then streams large bodies through the sidecar while
// watching its peak resident memory. It prints a Markdown section for
// BENCHMARKS.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type options struct {
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
}

func main() {
	var o options
	runProxy := flag.Bool("run-proxy", false, "internal: serve proxy.Router in front of -upstream (the child process)")
	upstream := flag.String("upstream", "", "internal: upstream URL for -run-proxy")
	flag.StringVar(&o.sidecar, "sidecar", "", "path of a built mlflow-sidecar binary; empty: proxy.Router in a child process")
	flag.BoolVar(&o.inProcess, "in-process", false, "serve proxy.Router inside this process (for profiling; memory figures then include the generator)")
	flag.IntVar(&o.workers, "c", 32, "concurrent keep-alive workers")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "measured duration of each load run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each load run")
	flag.Int64Var(&o.postSize, "post-size", 1<<20, "body size of the POST workload")
	flag.Int64Var(&o.streamSize, "stream-size", 2<<30, "bytes uploaded and downloaded in the streaming runs")
	flag.DurationVar(&o.delay, "upstream-delay", 0, "service time the fake MLflow adds to the GET and POST (0: answer at once)")
	flag.BoolVar(&o.skipStreams, "skip-streams", false, "skip the streaming runs")
	flag.IntVar(&o.rounds, "rounds", 3, "alternating direct/sidecar rounds per workload (evens out background load)")
	flag.IntVar(&o.procs, "sidecar-gomaxprocs", 0, "GOMAXPROCS of the sidecar process (0: Go's default)")
	flag.Parse()

	if *runProxy {
		if err := runProxyChild(*upstream); err != nil {
			fmt.Fprintln(os.Stderr, "sidecar-loadgen -run-proxy:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sidecar-loadgen:", err)
		os.Exit(1)
	}
}

func run(o options, out, progress io.Writer) error {
	upstreamURL, stopFake, err := startFake(fakeMLflow(o.streamSize, o.delay))
	if err != nil {
		return err
	}
	defer stopFake()

	dir, err := os.MkdirTemp("", "sidecar-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var t *target
	switch {
	case o.sidecar != "":
		t, err = startBinary(o.sidecar, upstreamURL, dir, o.procs)
	case o.inProcess:
		t, err = startInProcess(upstreamURL)
	default:
		t, err = startChild(upstreamURL, o.procs)
	}
	if err != nil {
		return err
	}
	defer t.stop()
	if err := waitReady(t.url, 30*time.Second); err != nil {
		return err
	}

	rep := report{opts: o, target: t.desc, command: strings.Join(append([]string{"sidecar-loadgen"}, os.Args[1:]...), " "), loadBefore: loadAvg()}
	// Streams first: the load runs leave connection pools and buffers
	// behind that would blur the streaming peak.
	if !o.skipStreams {
		for _, m := range []string{"PUT", "GET"} {
			fmt.Fprintf(progress, "streaming %d MiB (%s) through the sidecar...\n", o.streamSize>>20, m)
			s, err := runStream(t, m, o.streamSize)
			if err != nil {
				return err
			}
			rep.streams = append(rep.streams, s)
		}
	}
	post := make([]byte, o.postSize)
	for i := range post {
		post[i] = byte('a' + i%26)
	}
	// One worker measures the latency a request pays for the extra hop;
	// many workers measure throughput with the CPUs saturated.
	workloads := []workload{
		{"small JSON GET", "GET", pathSmallGET + "?experiment_id=0", nil, 1},
		{"small JSON GET", "GET", pathSmallGET + "?experiment_id=0", nil, o.workers},
		{sizeName(o.postSize) + " POST", "POST", pathPOST, post, o.workers},
	}
	for _, w := range workloads {
		fmt.Fprintf(progress, "%s, %d workers: %d rounds of %s direct and through the sidecar...\n", w.name, w.workers, o.rounds, o.duration)
		pair, err := runPair(w, [2]string{upstreamURL, t.url}, o)
		if err != nil {
			return err
		}
		rep.loads = append(rep.loads, pair)
	}
	rep.loadAfter = loadAvg()
	rep.write(out)
	return nil
}

func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

type workload struct {
	name, method, path string
	body               []byte
	workers            int
}

// runPair runs w against both bases (direct, sidecar) in alternating order
// over several rounds and pools each side's samples, so that a burst of
// background load does not land on one side only.
func runPair(w workload, bases [2]string, o options) (loadPair, error) {
	pair := loadPair{name: w.name, workers: w.workers}
	for round := range o.rounds {
		for k := range 2 {
			side := (k + round) % 2
			r := runLoad(loadSpec{method: w.method, url: bases[side] + w.path, body: w.body,
				workers: w.workers, warmup: o.warmup, duration: o.duration})
			if r.errors > 0 {
				return pair, fmt.Errorf("%s: %d errors, first: %v", w.name, r.errors, r.firstErr)
			}
			pair.runs[side] = pair.runs[side].merge(r)
		}
	}
	return pair, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
