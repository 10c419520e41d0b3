package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const streamSize = 256 << 20

// heapPeak samples HeapInuse until stop is called and returns the largest
// value seen above the starting point. The proxy, the fake MLflow and the
// client share this process, so the figure bounds all three together.
func heapPeak(t *testing.T) (stop func() uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func TestStreamsLargeBodiesInBoundedMemory(t *testing.T) {
	patternCRC := crc32.NewIEEE()
	io.Copy(patternCRC, &patternReader{n: streamSize})
	want := patternCRC.Sum32()

	upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "PUT": // artifact upload: checksum what arrived
			h := crc32.NewIEEE()
			n, err := io.Copy(h, r.Body)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, "%d %d", n, h.Sum32())
		case "GET": // artifact download
			w.Header().Set("Content-Length", strconv.Itoa(streamSize))
			io.Copy(w, &patternReader{n: streamSize})
		}
	}))
	_, front := startProxy(t, Config{URL: upstream.URL})

	cases := []struct {
		name   string
		method string
		chunk  bool // upload with unknown length (chunked)
	}{
		{"upload with length", "PUT", false},
		{"upload chunked", "PUT", true},
		{"download", "GET", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stop := heapPeak(t)
			var body io.Reader = &patternReader{n: streamSize}
			if c.method == "GET" {
				body = nil
			} else if c.chunk {
				body = struct{ io.Reader }{body} // hides the length
			}
			req, _ := http.NewRequest(c.method, front.URL+"/api/2.0/mlflow-artifacts/artifacts/big.bin", body)
			if c.method == "PUT" && !c.chunk {
				req.ContentLength = streamSize
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			// A download is checksummed as it arrives; an upload's checksum
			// comes back from the fake MLflow as its response.
			var got string
			if c.method == "GET" {
				h := crc32.NewIEEE()
				n, err := io.Copy(h, res.Body)
				if err != nil {
					t.Fatal(err)
				}
				got = fmt.Sprintf("%d %d", n, h.Sum32())
			} else {
				b, err := io.ReadAll(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			peak := stop()
			if wantS := fmt.Sprintf("%d %d", streamSize, want); res.StatusCode != 200 || got != wantS {
				t.Fatalf("status %d, got %q, want %q", res.StatusCode, got, wantS)
			}
			t.Logf("%s: %d MiB through the proxy, heap peak +%.1f MiB", c.name, streamSize>>20, float64(peak)/(1<<20))
			if peak > 32<<20 {
				t.Fatalf("heap grew by %d MiB while streaming; want well under 64 MiB", peak>>20)
			}
		})
	}
}

// within fails the test instead of hanging when a step that the proxy should
// make possible (a flush, a cancellation) never happens.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never happened", what)
	}
}

func TestFlushesStreamsAsTheyArrive(t *testing.T) {
	cases := []struct{ name, contentType string }{
		{"server-sent events", "text/event-stream"},
		{"chunked ndjson", "application/x-ndjson"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := make(chan struct{})
			upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				io.WriteString(w, "data: 1\n\n")
				http.NewResponseController(w).Flush()
				select { // event 2 only once the client has event 1
				case <-next:
				case <-r.Context().Done():
					return
				}
				io.WriteString(w, "data: 2\n\n")
			}))
			_, front := startProxy(t, Config{URL: upstream.URL})
			res, err := http.Get(front.URL + "/ajax-api/3.0/mlflow/assistant/stream")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			var line string
			within(t, "event 1 before event 2 is sent", func() { line, _ = br.ReadString('\n') })
			if line != "data: 1\n" {
				t.Fatalf("first line %q", line)
			}
			close(next)
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "\ndata: 2\n\n" {
				t.Fatalf("rest %q, %v", rest, err)
			}
		})
	}
}

// A client that goes away must take the upstream request with it: while
// waiting for the response the upstream's context is cancelled; during an
// upload the upstream's body read fails (a server only notices a closed
// connection through a read). Neither is an upstream outage.
func TestClientCancelCancelsUpstream(t *testing.T) {
	cases := []struct {
		name   string
		upload bool
	}{
		{"waiting for the response", false},
		{"during an upload", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			started := make(chan struct{})
			upstreamErr := make(chan error, 1)
			upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.upload {
					io.ReadFull(r.Body, make([]byte, 5))
					close(started)
					_, err := io.Copy(io.Discard, r.Body)
					upstreamErr <- err
					return
				}
				close(started)
				<-r.Context().Done()
				upstreamErr <- r.Context().Err()
			}))
			var logs syncBuffer
			_, front := startProxy(t, Config{URL: upstream.URL, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var body io.Reader
			pr, pw := io.Pipe()
			defer pw.Close()
			if c.upload {
				go pw.Write([]byte("start")) // and then nothing: the body never ends
				body = pr
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", front.URL+"/api/2.0/mlflow-artifacts/artifacts/x", body)
			clientErr := make(chan error, 1)
			go func() {
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					res.Body.Close()
				}
				clientErr <- err
			}()
			within(t, "upstream request start", func() { <-started })
			cancel()
			var err error
			within(t, "upstream cancellation", func() { err = <-upstreamErr })
			switch {
			case !c.upload && !errors.Is(err, context.Canceled):
				t.Fatalf("upstream context ended with %v, want context.Canceled", err)
			case c.upload && !errors.Is(err, io.ErrUnexpectedEOF):
				t.Fatalf("upstream body read ended with %v, want unexpected EOF", err)
			}
			// net/http's client waits for its body writer, blocked in the
			// pipe, before it returns; a real client's body ends too.
			pw.CloseWithError(errors.New("client gave up"))
			if err := <-clientErr; !errors.Is(err, context.Canceled) {
				t.Fatalf("client error %v", err)
			}
			front.Close() // waits for the proxy's handler, and so for its logging
			if strings.Contains(logs.String(), "unavailable") {
				t.Fatalf("a client cancel was logged as an outage:\n%s", logs.String())
			}
		})
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
