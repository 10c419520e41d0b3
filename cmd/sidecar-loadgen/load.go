package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// op sends one request with the worker's client, waits for the whole
// answer and returns its size in bytes. A worker calls its own op in a
// loop, so an op may carry state from one request to the next (a page
// cursor).
type op func(c *http.Client) (int64, error)

// loadSpec is one closed-loop load run: workers each send a request, wait
// for the whole response, and send the next.
type loadSpec struct {
	newOp    func() op // called once per worker
	workers  int
	warmup   time.Duration // requests finishing before this are not counted
	duration time.Duration // measured time after the warm-up
}

type loadResult struct {
	requests int
	bytes    int64 // response bytes of the counted requests
	errors   int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	firstErr error
}

// merge pools two runs' samples.
func (r loadResult) merge(o loadResult) loadResult {
	r.requests += o.requests
	r.bytes += o.bytes
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
	slices.Sort(r.lat)
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	return r
}

// size is the mean response size.
func (r loadResult) size() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.bytes) / float64(r.requests)
}

func (r loadResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// quantile is the exact nearest-rank quantile of the sorted samples.
func (r loadResult) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(r.lat))+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

func newClient(workers int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        workers * 2,
		MaxIdleConnsPerHost: workers * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
}

func runLoad(s loadSpec) loadResult {
	client := newClient(s.workers)
	defer client.CloseIdleConnections()
	start := time.Now()
	measureFrom := start.Add(s.warmup)
	end := measureFrom.Add(s.duration)

	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	for range s.workers {
		wg.Add(1)
		do := s.newOp()
		go func() {
			defer wg.Done()
			// Samples stay per worker until the end so that recording a
			// latency never contends with the other workers.
			lat := make([]time.Duration, 0, 1<<16)
			errs, bytes := 0, int64(0)
			var firstErr error
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				n, err := do(client)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				lat = append(lat, t1.Sub(t0))
				bytes += n
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.bytes += bytes
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.requests = len(res.lat)
	res.elapsed = s.duration
	slices.Sort(res.lat)
	return res
}

// fixed is the op factory of a workload that sends the same request again
// and again.
func fixed(method, url string, body []byte) func() op {
	return func() op {
		return func(c *http.Client) (int64, error) { return send(c, method, url, body, nil) }
	}
}

// send sends one request and reads the whole answer, which must be a 200.
// keep, when set, receives the body (otherwise it is discarded unread).
func send(c *http.Client, method, url string, body []byte, keep *bytes.Buffer) (int64, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	var dst io.Writer = io.Discard
	if keep != nil {
		keep.Reset()
		dst = keep
	}
	n, err := io.Copy(dst, res.Body)
	res.Body.Close()
	if err == nil && res.StatusCode != http.StatusOK {
		snippet := ""
		if keep != nil {
			snippet = ": " + string(keep.Bytes()[:min(keep.Len(), 300)])
		}
		err = fmt.Errorf("%s %s: status %d%s", method, url, res.StatusCode, snippet)
	}
	return n, err
}
