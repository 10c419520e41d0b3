package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// side is one of the request streams a comparison alternates between
// (direct and sidecar; sidecar and floor; page 1 and page 500).
type side struct {
	name  string
	newOp func() op
}

// timing is how each side is measured.
type timing struct {
	rounds           int
	warmup, duration time.Duration
}

// runSides runs every side once per round, rotating the order from round
// to round, and pools each side's samples over the rounds, so that a burst
// of background load does not land on one side only. Any failed request
// fails the comparison.
func runSides(name string, sides []side, workers int, t timing, progress io.Writer) ([]loadResult, error) {
	res := make([]loadResult, len(sides))
	for round := range t.rounds {
		for k := range sides {
			i := (k + round) % len(sides)
			fmt.Fprintf(progress, "  %s / %s, %d workers, round %d/%d\n", name, sides[i].name, workers, round+1, t.rounds)
			r := runLoad(loadSpec{newOp: sides[i].newOp, workers: workers, warmup: t.warmup, duration: t.duration})
			if r.errors > 0 {
				return res, fmt.Errorf("%s / %s: %d errors, first: %v", name, sides[i].name, r.errors, r.firstErr)
			}
			if r.requests == 0 {
				return res, fmt.Errorf("%s / %s: no request completed within %s", name, sides[i].name, t.duration)
			}
			res[i] = res[i].merge(r)
		}
	}
	return res, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
