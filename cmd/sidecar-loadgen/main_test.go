package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for sidecar-loadgen in the child
// processes it starts (the floor, the proxy child).
func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestQuantileIsNearestRank(t *testing.T) {
	r := loadResult{}
	for i := 1; i <= 100; i++ {
		r.lat = append(r.lat, time.Duration(i))
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {1, 100}, {0, 1}}
	for _, c := range cases {
		if got := r.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if (loadResult{}).quantile(0.5) != 0 {
		t.Error("quantile of no samples")
	}
}

func TestSizeName(t *testing.T) {
	cases := map[int64]string{1 << 20: "1 MiB", 2 << 30: "2 GiB", 1536: "1536 B", 4 << 10: "4 KiB"}
	for n, want := range cases {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q, want %q", n, got, want)
		}
	}
}

// A whole run on small settings: every phase must complete without errors
// and the report must carry each figure. No figure's value is asserted.
func TestRunProducesReport(t *testing.T) {
	var out, progress bytes.Buffer
	o := options{inProcess: true, workers: 2, duration: 100 * time.Millisecond, warmup: 20 * time.Millisecond,
		rounds: 1, postSize: 4 << 10, streamSize: 8 << 20}
	if err := runProxyBench(o, &out, &progress); err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	for _, want := range []string{"| small JSON GET | 1 |", "| small JSON GET | 2 |", "| 4 KiB POST | 2 |",
		"| upload | 8 MiB |", "| download | 8 MiB |", "Small GET goals:", "Machine: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
