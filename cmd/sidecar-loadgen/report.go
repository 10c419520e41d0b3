package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// loadPair is one workload run directly (runs[0]) and through the sidecar
// (runs[1]).
type loadPair struct {
	name    string
	workers int
	runs    [2]loadResult
}

type report struct {
	opts    options
	target  string
	command string
	streams []streamResult
	loads   []loadPair

	loadBefore, loadAfter string // /proc/loadavg: other work on the machine
}

// Goals for the small GET on the reference machine (2 cores).
const (
	goalThroughput = 0.70
	goalP50        = 200 * time.Microsecond
)

func (r report) write(w io.Writer) {
	title := "Reverse proxy overhead, the mlflow-sidecar binary"
	if r.opts.sidecar == "" {
		title = "Reverse proxy overhead, proxy.Router alone (no middleware)"
	}
	if r.opts.delay > 0 {
		title += fmt.Sprintf(", MLflow taking %s per request", r.opts.delay)
	}
	fmt.Fprintf(w, "## %s (%s)\n\n", title, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "- Command: `%s`\n", r.command)
	fmt.Fprintf(w, "- Machine: %d CPUs (%s), %s %s/%s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- Sidecar: %s\n", r.target)
	fmt.Fprintf(w, "- Fake MLflow, load generator and sidecar share the machine; load average %s before, %s after.\n", r.loadBefore, r.loadAfter)
	fmt.Fprintf(w, "- Closed loop over keep-alive connections; per workload %d rounds alternating direct and sidecar, each %s measured after %s warm-up; percentiles over all rounds' samples",
		r.opts.rounds, r.opts.duration, r.opts.warmup)
	if r.opts.delay > 0 {
		fmt.Fprintf(w, "; the fake MLflow adds %s per GET/POST", r.opts.delay)
	}
	if r.opts.procs > 0 {
		fmt.Fprintf(w, "; sidecar GOMAXPROCS=%d", r.opts.procs)
	}
	fmt.Fprint(w, ".\n\n")

	fmt.Fprintln(w, "| workload | workers | direct req/s | sidecar req/s | sidecar/direct | direct p50 | sidecar p50 | p50 overhead | direct p99 | sidecar p99 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range r.loads {
		d, s := p.runs[0], p.runs[1]
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.0f%% | %s | %s | %s | %s | %s |\n", p.name, p.workers, d.rps(), s.rps(),
			100*s.rps()/d.rps(), us(d.quantile(0.5)), us(s.quantile(0.5)), us(s.quantile(0.5)-d.quantile(0.5)),
			us(d.quantile(0.99)), us(s.quantile(0.99)))
	}
	if len(r.loads) >= 2 {
		lat, thr := r.loads[0], r.loads[1]
		ratio := thr.runs[1].rps() / thr.runs[0].rps()
		over := lat.runs[1].quantile(0.5) - lat.runs[0].quantile(0.5)
		fmt.Fprintf(w, "\nSmall GET goals: throughput at %d workers ≥ %.0f%% of direct: %s (%.0f%%); p50 overhead at 1 worker < %s: %s (%s).\n",
			thr.workers, 100*goalThroughput, verdict(ratio >= goalThroughput), 100*ratio, us(goalP50), verdict(over < goalP50), us(over))
	}

	if len(r.streams) > 0 {
		fmt.Fprintln(w, "\n| stream through sidecar | size | MiB/s | sidecar RSS before | sidecar peak RSS (VmHWM) |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, s := range r.streams {
			note := ""
			if s.peakIsLife {
				note = " (since start: VmHWM could not be reset)"
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.1f MiB | %.1f MiB%s |\n", s.name, sizeName(s.bytes), s.mibps(),
				float64(s.rssBefore)/1024, float64(s.peak)/1024, note)
		}
	}
	fmt.Fprintln(w)
}

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
