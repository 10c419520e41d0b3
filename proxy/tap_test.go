package proxy

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

type tapCall struct {
	status int
	body   []byte
	path   string
}

// testTap wants POST /v1/traces and reports each Done on calls; when hold
// is set, Done waits for it to close.
type testTap struct {
	calls chan tapCall
	hold  chan struct{}
}

func (tt *testTap) Wants(r *http.Request) bool {
	return r.Method == "POST" && r.URL.Path == "/v1/traces"
}

func (tt *testTap) Done(ctx context.Context, r *http.Request, status int, body []byte) {
	if ctx.Err() != nil {
		panic("Done got a cancelled context")
	}
	if tt.hold != nil {
		<-tt.hold
	}
	tt.calls <- tapCall{status, body, r.URL.Path}
}

func allBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 31)
	}
	return b
}

func TestTapSeesExactBytesAfterUpstreamAnswered(t *testing.T) {
	cases := []struct {
		name       string
		path       string
		body       []byte
		chunked    bool
		max        int64
		status     int
		wantCalled bool
		wantBody   []byte // nil: Done gets nil
	}{
		{"accepted export", "/v1/traces", allBytes(100_000), false, 0, 200, true, allBytes(100_000)},
		{"chunked export", "/v1/traces", allBytes(70_000), true, 0, 200, true, allBytes(70_000)},
		{"rejected export", "/v1/traces", []byte("bad"), false, 0, 400, true, []byte("bad")},
		{"empty export", "/v1/traces", []byte{}, false, 0, 200, true, []byte{}},
		{"declared over limit", "/v1/traces", allBytes(2000), false, 1000, 200, true, nil},
		{"chunked over limit", "/v1/traces", allBytes(2000), true, 1000, 200, true, nil},
		{"exactly at limit", "/v1/traces", allBytes(1000), true, 1000, 200, true, allBytes(1000)},
		{"not wanted", "/api/2.0/mlflow/runs/create", []byte("{}"), false, 0, 200, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var upstreamGot []byte
			upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				upstreamGot, _ = io.ReadAll(r.Body)
				w.WriteHeader(c.status)
			}))
			tap := &testTap{calls: make(chan tapCall, 1)}
			_, front := startProxy(t, Config{URL: upstream.URL, Tap: tap, TapMaxBytes: c.max})
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = struct{ io.Reader }{body}
			}
			res, err := http.Post(front.URL+c.path, "application/x-protobuf", body)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != c.status || !bytes.Equal(upstreamGot, c.body) {
				t.Fatalf("forwarding changed: status %d, upstream got %d bytes of %d", res.StatusCode, len(upstreamGot), len(c.body))
			}
			// Done runs before the handler returns; Close waits for that.
			front.Close()
			select {
			case call := <-tap.calls:
				if !c.wantCalled {
					t.Fatalf("Done called for an unwanted request")
				}
				if call.status != c.status || (call.body == nil) != (c.wantBody == nil) || !bytes.Equal(call.body, c.wantBody) {
					t.Fatalf("Done(status %d, %d bytes, nil=%v), want status %d, nil=%v",
						call.status, len(call.body), call.body == nil, c.status, c.wantBody == nil)
				}
			default:
				if c.wantCalled {
					t.Fatal("Done not called")
				}
			}
		})
	}
}

// Done must not hold back the response: the client reads all of it while
// Done is still blocked.
func TestTapDoneDoesNotDelayResponse(t *testing.T) {
	upstream := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"partialSuccess":{}}`)
	}))
	tap := &testTap{calls: make(chan tapCall, 1), hold: make(chan struct{})}
	_, front := startProxy(t, Config{URL: upstream.URL, Tap: tap})
	var got []byte
	within(t, "response while Done blocks", func() {
		res, err := http.Post(front.URL+"/v1/traces", "application/x-protobuf", bytes.NewReader([]byte("spans")))
		if err != nil {
			t.Error(err)
			return
		}
		defer res.Body.Close()
		got, _ = io.ReadAll(res.Body)
	})
	if string(got) != `{"partialSuccess":{}}` {
		t.Fatalf("response %q", got)
	}
	close(tap.hold)
	var call tapCall
	within(t, "Done", func() { call = <-tap.calls })
	if call.status != 200 || string(call.body) != "spans" {
		t.Fatalf("Done(%d, %q)", call.status, call.body)
	}
}

func TestTapNotCalledWithoutUpstreamAnswer(t *testing.T) {
	addr := closedAddr(t)
	tap := &testTap{calls: make(chan tapCall, 1)}
	_, front := startProxy(t, Config{URL: "http://" + addr, Tap: tap})
	res, _ := rawRequest(t, front, "POST", "/v1/traces", http.Header{}, "spans")
	if res.StatusCode != 502 {
		t.Fatalf("status %d", res.StatusCode)
	}
	front.Close()
	select {
	case call := <-tap.calls:
		t.Fatalf("Done called without an upstream answer: %+v", call)
	default:
	}
}
