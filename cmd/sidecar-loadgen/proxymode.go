package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// runProxyBench measures the reverse proxy: a fake MLflow, the sidecar in
// front of it, the same workloads direct and through the sidecar, then
// large bodies streamed through the sidecar while its memory is watched.
func runProxyBench(o options, out, progress io.Writer) error {
	upstreamURL, dir, cleanup, err := fakeAndScratch(o.streamSize, o.delay)
	if err != nil {
		return err
	}
	defer cleanup()
	var t *target
	switch {
	case o.sidecar != "":
		t, err = startBinary(o.sidecar, upstreamURL, "sqlite:///"+filepath.Join(dir, "mlflow.db"), dir, o.procs)
	case o.inProcess:
		t, err = startInProcess(upstreamURL)
	default:
		t, err = startChild(upstreamURL, o.procs)
	}
	if err != nil {
		return err
	}
	defer t.stop()
	if err := waitReady(t.url, pathSmallGET, 30*time.Second); err != nil {
		return err
	}

	rep := report{opts: o, target: t.desc, command: commandLine(), loadBefore: loadAvg()}
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
		sides := []side{{"direct", fixed(w.method, upstreamURL+w.path, w.body)}, {"sidecar", fixed(w.method, t.url+w.path, w.body)}}
		res, err := runSides(w.name, sides, w.workers, o.timing(), progress)
		if err != nil {
			return err
		}
		rep.loads = append(rep.loads, loadPair{name: w.name, workers: w.workers, runs: [2]loadResult{res[0], res[1]}})
	}
	rep.loadAfter = loadAvg()
	rep.write(out)
	return nil
}

type workload struct {
	name, method, path string
	body               []byte
	workers            int
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

// fakeAndScratch starts a fake MLflow and makes a scratch directory (the
// sidecar's log); cleanup stops and removes both.
func fakeAndScratch(streamSize int64, delay time.Duration) (upstream, dir string, cleanup func(), err error) {
	upstream, stopFake, err := startFake(fakeMLflow(streamSize, delay))
	if err != nil {
		return "", "", nil, err
	}
	if dir, err = os.MkdirTemp("", "sidecar-loadgen-"); err != nil {
		stopFake()
		return "", "", nil, err
	}
	return upstream, dir, func() { stopFake(); os.RemoveAll(dir) }, nil
}
