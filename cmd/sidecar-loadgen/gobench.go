package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// benchLine is one result line of go test -bench.
type benchLine struct {
	pkg, name string
	n         int64
	metrics   map[string]float64
	order     []string // units in the order printed
}

// benchName matches a result line; the -N GOMAXPROCS suffix is dropped.
var benchName = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

// parseGoBench reads go test -bench output: result lines, attributed to the
// package named by the last "pkg:" line. Everything else is ignored.
func parseGoBench(r io.Reader) ([]benchLine, error) {
	var out []benchLine
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		m := benchName.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.ParseInt(m[2], 10, 64)
		b := benchLine{pkg: pkg, name: m[1], n: n, metrics: map[string]float64{}}
		f := strings.Fields(m[3])
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("benchmark line with an odd number of value/unit fields: %q", line)
		}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark line %q: %v", line, err)
			}
			b.metrics[f[i+1]] = v
			b.order = append(b.order, f[i+1])
		}
		out = append(out, b)
	}
	return out, sc.Err()
}

func (b benchLine) has(units ...string) bool {
	for _, u := range units {
		if _, ok := b.metrics[u]; !ok {
			return false
		}
	}
	return true
}

func (b benchLine) short() string {
	return strings.TrimPrefix(b.pkg, "github.com/mlflow-sidecar/mlflow-sidecar/") + " " + b.name
}

// summariseGoBench writes the Go benchmarks section: the floor comparisons
// and latency percentiles the issues set goals on, then every result.
func summariseGoBench(o options, w io.Writer) error {
	if o.goBench == "" {
		return fmt.Errorf("-mode gobench needs -go-bench FILE (saved go test -bench output)")
	}
	f, err := os.Open(o.goBench)
	if err != nil {
		return err
	}
	defer f.Close()
	lines, err := parseGoBench(f)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return fmt.Errorf("%s: no benchmark results", o.goBench)
	}
	fmt.Fprintf(w, "## Go benchmarks (%s)\n\n", time.Now().UTC().Format("2006-01-02"))
	if o.goBenchCmd != "" {
		fmt.Fprintf(w, "- Command: `%s` (raw output: `%s`)\n", o.goBenchCmd, o.goBench)
	}
	fmt.Fprintf(w, "- Machine: %d CPUs (%s), %s %s/%s; PostgreSQL on the same machine.\n", runtime.NumCPU(), cpuModel(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- In-process: the service or handler called directly, no HTTP listener (the registry section measures through the binary).\n")
	writeFloorPairs(w, lines)
	writePageWalks(w, lines)
	writePercentiles(w, lines)
	writeAll(w, lines)
	return nil
}

// writeFloorPairs: benchmarks that alternate an operation with its floor
// (op-ns, floor-ns, %floor) and throughput benchmarks (versions/s).
func writeFloorPairs(w io.Writer, lines []benchLine) {
	var rows []string
	for _, b := range lines {
		if !b.has("%floor", "op-ns", "floor-ns") {
			continue
		}
		least, what := goalReadOfFloor, fmt.Sprintf("≥ %s", pct(goalReadOfFloor))
		if strings.Contains(b.name, "-vs-Page1") {
			// The "floor" here is page 1: the deep page within 1.5× of it.
			least, what = 1/goalDeepPage, fmt.Sprintf("page N within %.1f× of page 1", goalDeepPage)
		}
		ok := b.metrics["%floor"]/100 >= least
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %.0f%% | %s: %s |", b.short(), usf(b.metrics["op-ns"]),
			usf(b.metrics["floor-ns"]), b.metrics["%floor"], what, verdict(ok)))
	}
	for _, b := range lines {
		if b.has("versions/s") {
			rows = append(rows, fmt.Sprintf("| %s | %.0f versions/s | | | ≥ %d/s: %s |", b.short(), b.metrics["versions/s"],
				goalVersionsPerS, verdict(b.metrics["versions/s"] >= goalVersionsPerS)))
		}
	}
	writeTable(w, "Operation against its floor (the same question as one indexed statement through pgx, alternated in one loop):",
		"| benchmark | operation | floor | throughput vs floor | goal |\n|---|---:|---:|---:|---|", rows)
}

// writePageWalks pairs .../api with .../floor walks (ns/page, first and
// last page).
func writePageWalks(w io.Writer, lines []benchLine) {
	floors := map[string]benchLine{}
	for _, b := range lines {
		if base, ok := strings.CutSuffix(b.name, "/floor"); ok && b.has("ns/page") {
			floors[b.pkg+" "+base] = b
		}
	}
	var rows []string
	for _, b := range lines {
		base, ok := strings.CutSuffix(b.name, "/api")
		fl, found := floors[b.pkg+" "+base]
		if !ok || !found || !b.has("ns/page", "ns/first-page", "ns/last-page") {
			continue
		}
		last := b.metrics["ns/last-page"] / b.metrics["ns/first-page"]
		rows = append(rows, fmt.Sprintf("| %s | %.0f | %s | %s | %.0f%% | %s | %s | %.2f× | %s |", strings.TrimSuffix(b.short(), "/api"),
			b.metrics["pages/walk"], msf(b.metrics["ns/page"]), msf(fl.metrics["ns/page"]), 100*fl.metrics["ns/page"]/b.metrics["ns/page"],
			msf(b.metrics["ns/first-page"]), msf(b.metrics["ns/last-page"]), last, verdict(last <= goalPageTolerance)))
	}
	writeTable(w, "Walking every page (official API, in-process handler) against a one-statement floor; "+
		fmt.Sprintf("goal: every page as fast as the first (last page within %.1f× of the first):", goalPageTolerance),
		"| benchmark | pages | per page | floor per page | vs floor | first page | last page | last/first | goal |\n"+
			"|---|---:|---:|---:|---:|---:|---:|---:|---|", rows)
}

// writePercentiles: latency percentiles (p50-ms/p95-ms) and the OTLP
// auto-link comparison (on/off-p50, goal within 10%).
func writePercentiles(w io.Writer, lines []benchLine) {
	var rows []string
	for _, b := range lines {
		switch {
		case b.has("on/off-p50"):
			r := b.metrics["on/off-p50"]
			rows = append(rows, fmt.Sprintf("| %s | off %.2f / on %.2f ms | off %.2f / on %.2f ms | on/off p50 %.2f: within 10%%: %s |",
				b.short(), b.metrics["off-p50-ms"], b.metrics["on-p50-ms"], b.metrics["off-p95-ms"], b.metrics["on-p95-ms"], r, verdict(r <= 1.10)))
		case b.has("p50-ms", "p95-ms"):
			rows = append(rows, fmt.Sprintf("| %s | %.2f ms | %.2f ms | |", b.short(), b.metrics["p50-ms"], b.metrics["p95-ms"]))
		}
	}
	writeTable(w, "Latency percentiles:", "| benchmark | p50 | p95 | goal |\n|---|---:|---:|---|", rows)
}

// writeTable writes an introduced Markdown table, nothing without rows.
func writeTable(w io.Writer, intro, head string, rows []string) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n\n%s\n", intro, head)
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
}

// writeAll lists every result with all its figures, in a collapsed block.
func writeAll(w io.Writer, lines []benchLine) {
	fmt.Fprintln(w, "\n<details><summary>All results</summary>")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| benchmark | iterations | figures |")
	fmt.Fprintln(w, "|---|---:|---|")
	for _, b := range lines {
		var fs []string
		for _, u := range b.order {
			fs = append(fs, strconv.FormatFloat(b.metrics[u], 'g', 6, 64)+" "+u)
		}
		fmt.Fprintf(w, "| %s | %d | %s |\n", b.short(), b.n, strings.Join(fs, ", "))
	}
	fmt.Fprintln(w, "\n</details>")
}

func usf(ns float64) string { return fmt.Sprintf("%.1f µs", ns/1e3) }
func msf(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }
