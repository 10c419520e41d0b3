package proxy

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// heldUpstream is a fake MLflow. A request without X-Read is read and
// echoed at once. With X-Read ("all", or "1000": its first 1000 bytes) it
// reports what it read on read, then waits for release before it reads the
// rest and answers 200.
type heldUpstream struct {
	read    chan []byte
	release chan struct{}
	once    sync.Once
}

// startHeldUpstream serves a heldUpstream; the test's end releases whatever
// it still holds, so a failed test does not hang in the server's Close.
func startHeldUpstream(t *testing.T) (*heldUpstream, *httptest.Server) {
	t.Helper()
	up := &heldUpstream{read: make(chan []byte, 1), release: make(chan struct{})}
	srv := startUpstream(t, up)
	t.Cleanup(up.free)
	return up, srv
}

func (h *heldUpstream) free() { h.once.Do(func() { close(h.release) }) }

func (h *heldUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var got []byte
	switch r.Header.Get("X-Read") {
	case "":
		got, _ = io.ReadAll(r.Body)
		w.Write(got)
		return
	case "all":
		got, _ = io.ReadAll(r.Body)
		h.read <- got
		<-h.release
	default:
		got = make([]byte, 1000)
		if _, err := io.ReadFull(r.Body, got); err != nil {
			return
		}
		h.read <- got
		<-h.release
		_, _ = io.Copy(io.Discard, r.Body)
	}
	w.WriteHeader(http.StatusOK)
}

func tappedPost(body io.Reader, length int64, read string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/traces", body)
	r.ContentLength = length
	if read != "" {
		r.Header.Set("X-Read", read)
	}
	return r
}

// The copies of all tapped requests in flight share one budget: while one
// export's copy holds most of it, another is forwarded intact but untapped,
// and the budget is whole again once the requests are done.
func TestTapBudgetIsSharedByRequestsInFlight(t *testing.T) {
	up, upstream := startHeldUpstream(t)
	tap := &testTap{calls: make(chan tapCall, 3)}
	u, err := NewUpstream(Config{URL: upstream.URL, Tap: tap, TapBudgetBytes: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	first, second := allBytes(80_000), bytes.Repeat([]byte("x"), 80_000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.ServeHTTP(httptest.NewRecorder(), tappedPost(bytes.NewReader(first), int64(len(first)), "all"))
	}()
	within(t, "the first export reaching MLflow", func() {
		if got := <-up.read; !bytes.Equal(got, first) {
			t.Errorf("MLflow got %d bytes of the first export", len(got))
		}
	})

	// The second is forwarded byte for byte (MLflow echoes it) but untapped.
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, tappedPost(bytes.NewReader(second), int64(len(second)), ""))
	if call := <-tap.calls; rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), second) || call.status != 200 || call.body != nil {
		t.Fatalf("second export: status %d, echoed %d bytes; Done(%d, %d bytes, nil=%v), want a nil body",
			rec.Code, rec.Body.Len(), call.status, len(call.body), call.body == nil)
	}

	up.free()
	within(t, "the first export", func() { <-done })
	if call := <-tap.calls; !bytes.Equal(call.body, first) {
		t.Fatalf("first export: Done got %d bytes (nil=%v)", len(call.body), call.body == nil)
	}
	u.ServeHTTP(httptest.NewRecorder(), tappedPost(bytes.NewReader(second), int64(len(second)), ""))
	if call := <-tap.calls; !bytes.Equal(call.body, second) {
		t.Fatalf("export after the budget was returned: Done got %d bytes (nil=%v)", len(call.body), call.body == nil)
	}
	if used := u.taps.used.Load(); used != 0 {
		t.Fatalf("%d bytes of the budget still taken with nothing in flight", used)
	}
}

// A Content-Length is a promise, not bytes: an upload that declared a large
// body but has sent little holds little of the budget, so other exports
// are still tapped.
func TestTapBudgetPaysForArrivedBytesOnly(t *testing.T) {
	up, upstream := startHeldUpstream(t)
	tap := &testTap{calls: make(chan tapCall, 2)}
	u, err := NewUpstream(Config{URL: upstream.URL, Tap: tap, TapBudgetBytes: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()

	// The slow upload declares 150 000 bytes and sends 1000.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	slow := allBytes(1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.ServeHTTP(httptest.NewRecorder(), tappedPost(pr, 150_000, "1000"))
	}()
	go pw.Write(slow)
	within(t, "the slow upload's first bytes reaching MLflow", func() { <-up.read })
	if used := u.taps.used.Load(); used > tapFirstBytes {
		t.Fatalf("an upload that sent 1000 bytes holds %d bytes of the budget", used)
	}

	other := allBytes(150_000)
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, tappedPost(bytes.NewReader(other), int64(len(other)), ""))
	if call := <-tap.calls; rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), other) || !bytes.Equal(call.body, other) {
		t.Fatalf("export beside a slow upload: status %d, Done got %d bytes (nil=%v)", rec.Code, len(call.body), call.body == nil)
	}

	// The slow client gives up.
	pw.CloseWithError(io.ErrUnexpectedEOF)
	up.free()
	within(t, "the abandoned upload", func() { <-done })
	if used := u.taps.used.Load(); used != 0 {
		t.Fatalf("%d bytes of the budget still taken after an abandoned upload", used)
	}
}

func TestTapBudgetRefusesNegativeLimits(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "http://127.0.0.1:5000", TapBudgetBytes: -1},
		{URL: "http://127.0.0.1:5000", TapMaxBytes: -1},
	} {
		if _, err := NewUpstream(cfg); err == nil {
			t.Errorf("NewUpstream(%+v) accepted a negative tap limit", cfg)
		}
	}
}
