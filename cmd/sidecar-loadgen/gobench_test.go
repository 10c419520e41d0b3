package main

import (
	"os"
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	f, err := os.Open("testdata/go-bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := parseGoBench(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 12 {
		t.Fatalf("%d results, want 12", len(lines))
	}
	got := lines[0]
	if got.pkg != "github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store" || got.name != "BenchmarkRegistry/GetServer" ||
		got.n != 7659 || got.metrics["%floor"] != 37.42 || got.metrics["allocs/op"] != 143 || len(got.order) != 6 {
		t.Fatalf("first result %+v", got)
	}
	if _, err := parseGoBench(strings.NewReader("BenchmarkX-2 10 5 ns/op 7\n")); err == nil {
		t.Error("a value without a unit was accepted")
	}
}

// The summary's rows for each kind of benchmark, with the goals judged.
func TestSummariseGoBench(t *testing.T) {
	var out strings.Builder
	if err := summariseGoBench(options{goBench: "testdata/go-bench.txt"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| mcpregistry/store BenchmarkRegistry/GetServer | 143.3 µs | 53.6 µs | 37% | ≥ 60%: **not met** |",
		"| mcpregistry/store BenchmarkRegistry/SearchPage500-vs-Page1 | 1408.5 µs | 1443.1 µs | 102% | page N within 1.5× of page 1: met |",
		"| mcpregistry/store BenchmarkRegistry/RegisterVersion | 3329 versions/s | | | ≥ 500/s: met |",
		"| mcpregistry/officialapi BenchmarkListAllPages/servers=10000 | 200 | 3.38 ms | 0.44 ms | 13% | 7.43 ms | 3.44 ms | 0.46× | met |",
		"| tracking BenchmarkTracesForVersion/sqlite/hot-version-first-page | 164.20 ms | 180.50 ms | |",
		"on/off p50 0.98: within 10%: met",
		"| mcpregistry BenchmarkValidateServerName | 5000000 | 233.1 ns/op, 0 B/op, 0 allocs/op |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if err := summariseGoBench(options{goBench: "main.go"}, &out); err == nil {
		t.Error("a file without results was summarised")
	}
}
