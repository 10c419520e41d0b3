package proxy

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// Tap observes selected proxied requests together with their bodies, for
// work that must follow MLflow accepting a request (e.g. linking the traces
// of an OTLP export once MLflow has stored them).
//
// Both methods run on the request's goroutine. Wants runs for every proxied
// request before it is forwarded, so it must be cheap (a method and path
// check). Done runs after the response has been written and flushed to the
// client, so it does not delay that response, but it does hold the
// connection: implementations must return quickly, typically by enqueueing.
type Tap interface {
	Wants(r *http.Request) bool
	// Done is called once MLflow has answered a wanted request, with
	// MLflow's status (any status: the tap decides what to ignore) and the
	// exact bytes the client sent. body is nil when they are not all known:
	// the body was over Config.TapMaxBytes, or MLflow answered before
	// reading all of it. Done is not called when MLflow gave no response.
	// ctx carries the request's values but is never cancelled. r must not
	// be kept after Done returns; its body has been consumed.
	Done(ctx context.Context, r *http.Request, status int, body []byte)
}

// tapState carries MLflow's status from ModifyResponse to serveTapped.
type tapState struct{ status int }

type tapKey struct{}

func tapStateFrom(ctx context.Context) *tapState {
	st, _ := ctx.Value(tapKey{}).(*tapState)
	return st
}

// withTap returns a shallow copy of r whose body is teed, unless the body
// is empty or declared larger than max (then tee is nil).
func withTap(r *http.Request, max int64) (*http.Request, *tapState, *teeBody) {
	st := &tapState{}
	r2 := r.WithContext(context.WithValue(r.Context(), tapKey{}, st))
	if r.ContentLength == 0 || r.ContentLength > max || r.Body == nil {
		return r2, st, nil
	}
	tee := &teeBody{src: r.Body, max: max, want: r.ContentLength}
	if r.ContentLength > 0 {
		tee.buf = make([]byte, 0, r.ContentLength)
	}
	r2.Body = tee
	return r2, st, tee
}

// teeBody copies what the transport reads into a bounded buffer. The
// transport may still be reading when the handler finishes (MLflow can
// answer early), hence the lock and seal.
type teeBody struct {
	src  io.ReadCloser
	max  int64
	want int64 // declared length, -1 when chunked

	mu     sync.Mutex
	buf    []byte
	n      int64
	eof    bool
	over   bool
	sealed bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sealed {
		return n, err
	}
	t.n += int64(n)
	if !t.over && n > 0 {
		if t.n > t.max {
			t.over, t.buf = true, nil // forwarding goes on; only the copy stops
		} else {
			t.buf = append(t.buf, p[:n]...)
		}
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.src.Close() }

// seal stops copying and returns the body if all of it went through. With a
// declared length the transport stops at that length without seeing EOF, so
// reaching the length counts as complete.
func (t *teeBody) seal() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sealed = true
	complete := t.eof || (t.want >= 0 && t.n == t.want)
	if !complete || t.over {
		return nil
	}
	if t.buf == nil {
		return []byte{}
	}
	return t.buf
}
