package proxy

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
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
	// the body was over Config.TapMaxBytes, the copies of the requests in
	// flight already held Config.TapBudgetBytes, or MLflow answered before
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

// tapBudget bounds the bytes that the copies of all in-flight tapped
// requests hold together. Without it each slow upload could make the
// sidecar hold up to TapMaxBytes, and a few dozen unauthenticated clients
// trickling exports would exhaust its memory.
type tapBudget struct {
	limit int64
	used  atomic.Int64
}

func (b *tapBudget) take(n int64) bool {
	for {
		cur := b.used.Load()
		if cur+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

func (b *tapBudget) give(n int64) { b.used.Add(-n) }

// tapFirstBytes is the first allocation of a copy. Later ones double (or
// stop at the declared length), so a copy holds at most twice what has
// arrived, never what a Content-Length merely promises.
const tapFirstBytes = 32 << 10

// withTap returns a shallow copy of r whose body is teed, unless the body
// is empty or declared larger than limit or than the whole budget (then tee
// is nil and the request goes through untapped).
func withTap(r *http.Request, limit int64, budget *tapBudget) (*http.Request, *tapState, *teeBody) {
	st := &tapState{}
	r2 := r.WithContext(context.WithValue(r.Context(), tapKey{}, st))
	if r.ContentLength == 0 || r.ContentLength > limit || r.ContentLength > budget.limit || r.Body == nil {
		return r2, st, nil
	}
	tee := &teeBody{src: r.Body, max: limit, want: r.ContentLength, budget: budget}
	r2.Body = tee
	return r2, st, tee
}

// teeBody copies what the transport reads into a bounded buffer that grows
// as bytes arrive, each growth paid for from the shared budget. The
// transport may still be reading when the handler finishes (MLflow can
// answer early), hence the lock and seal.
type teeBody struct {
	src    io.ReadCloser
	max    int64
	want   int64 // declared length, -1 when chunked
	budget *tapBudget

	mu     sync.Mutex
	buf    []byte
	held   int64 // taken from the budget: cap(buf)
	n      int64
	eof    bool
	over   bool // over max or out of budget: the copy is abandoned
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
		if t.n > t.max || !t.grow(n) {
			t.abandon() // forwarding goes on; only the copy stops
		} else {
			t.buf = append(t.buf, p[:n]...)
		}
	}
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

// grow makes room for n more bytes, or reports that the budget cannot pay
// for it.
func (t *teeBody) grow(n int) bool {
	need := int64(len(t.buf) + n)
	if need <= int64(cap(t.buf)) {
		return true
	}
	size := max(2*int64(cap(t.buf)), tapFirstBytes)
	if t.want > 0 {
		size = min(size, t.want)
	}
	size = max(min(size, t.max), need)
	if !t.budget.take(size - t.held) {
		return false
	}
	buf := make([]byte, len(t.buf), size)
	copy(buf, t.buf)
	t.buf, t.held = buf, size
	return true
}

func (t *teeBody) abandon() {
	t.over, t.buf = true, nil
	t.budget.give(t.held)
	t.held = 0
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

// release stops copying and returns the copy's bytes to the budget. It runs
// once Tap.Done has returned: what Done kept of the body from then on is
// the tap's to account for.
func (t *teeBody) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sealed = true
	t.buf = nil
	t.budget.give(t.held)
	t.held = 0
}
