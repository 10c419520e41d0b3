package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

type streamResult struct {
	name       string
	bytes      int64
	elapsed    time.Duration
	rssBefore  int64 // KiB
	peak       int64 // KiB, VmHWM over the transfer
	peakIsLife bool  // the kernel could not reset VmHWM: peak is since start
}

func (s streamResult) mibps() float64 {
	return float64(s.bytes) / (1 << 20) / s.elapsed.Seconds()
}

// runStream moves size bytes through the target (PUT: upload, GET:
// download) and reports the target's peak resident memory meanwhile.
func runStream(t *target, method string, size int64) (streamResult, error) {
	res := streamResult{name: map[string]string{"PUT": "upload", "GET": "download"}[method]}
	res.peakIsLife = resetPeakRSS(t.pid) != nil
	var err error
	if res.rssBefore, err = procStatusKiB(t.pid, "VmRSS"); err != nil {
		return res, err
	}
	var body io.Reader
	if method == "PUT" {
		body = &lazyBytes{n: size}
	}
	req, err := http.NewRequest(method, t.url+pathArtifact, body)
	if err != nil {
		return res, err
	}
	if method == "PUT" {
		req.ContentLength = size
	}
	client := newClient(1)
	defer client.CloseIdleConnections()
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return res, err
	}
	// The download's bytes are counted here; the upload's by the fake
	// MLflow, which answers with the count.
	var got bytes.Buffer
	n, err := io.Copy(limitWriter{&got, 64}, resp.Body)
	resp.Body.Close()
	res.elapsed = time.Since(start)
	if err != nil {
		return res, err
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return res, fmt.Errorf("%s: status %d", res.name, resp.StatusCode)
	case method == "GET" && n != size:
		return res, fmt.Errorf("download: got %d bytes, want %d", n, size)
	case method == "PUT" && got.String() != fmt.Sprintf(`{"received":%d}`, size):
		return res, fmt.Errorf("upload: upstream answered %q, want %d bytes received", got.String(), size)
	}
	res.bytes = size
	res.peak, err = procStatusKiB(t.pid, "VmHWM")
	return res, err
}

// limitWriter keeps the first max bytes written to it and drops the rest.
type limitWriter struct {
	b   *bytes.Buffer
	max int
}

func (w limitWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
