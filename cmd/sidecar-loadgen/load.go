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

// loadSpec is one closed-loop load run: workers each send a request, wait
// for the whole response, and send the next.
type loadSpec struct {
	method, url string
	body        []byte // nil for GET
	workers     int
	warmup      time.Duration // requests finishing before this are not counted
	duration    time.Duration // measured time after the warm-up
}

type loadResult struct {
	requests int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	firstErr error
}

// merge pools two runs' samples.
func (r loadResult) merge(o loadResult) loadResult {
	r.requests += o.requests
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
	slices.Sort(r.lat)
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	return r
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

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
		go func() {
			defer wg.Done()
			// Samples stay per worker until the end so that recording a
			// latency never contends with the other workers.
			lat := make([]time.Duration, 0, 1<<16)
			errs := 0
			var firstErr error
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				err := doOne(client, s)
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
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
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

func doOne(client *http.Client, s loadSpec) error {
	var body io.Reader
	if s.body != nil {
		body = bytes.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, s.url, body)
	if err != nil {
		return err
	}
	if s.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: status %d", s.method, s.url, res.StatusCode)
	}
	return err
}
