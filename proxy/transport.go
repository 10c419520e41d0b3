package proxy

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// newTransport is tuned for one upstream on a nearby host carrying both
// many small API calls and multi-GiB artifact streams.
func newTransport(cfg Config) *http.Transport {
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		// MLflow sits beside the sidecar: an HTTP(S)_PROXY meant for the
		// outside world must not capture this hop.
		Proxy:       nil,
		DialContext: dialer.DialContext,
		// Every request reaches the same host, so the per-host idle pool is
		// the one that matters; it must cover the client concurrency or
		// connections churn through TIME_WAIT under load.
		MaxIdleConns:        cfg.MaxIdleConnsPerHost,
		MaxIdleConnsPerHost: cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.DialTimeout,
		// Zero by default: a slow MLflow query is not a dead MLflow. Only
		// the time to the response headers is bounded, never the body, so a
		// long download is unaffected either way.
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		// A proxy forwards Accept-Encoding and the encoded body as they are;
		// transparent gunzip would change the bytes and the headers.
		DisableCompression: true,
		ForceAttemptHTTP2:  true,
		// Larger socket buffers halve the syscalls per byte on artifact
		// streams at a fixed 64 KiB per idle connection.
		WriteBufferSize: 32 << 10,
		ReadBufferSize:  32 << 10,
	}
}

// copyBufSize is ReverseProxy's own default copy buffer size.
const copyBufSize = 32 << 10

// bufferPool recycles the body copy buffers ReverseProxy would otherwise
// allocate per request. It pools array pointers so that Put does not
// allocate the interface value a []byte would need.
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { return new([copyBufSize]byte) }}}
}

func (b *bufferPool) Get() []byte { return b.p.Get().(*[copyBufSize]byte)[:] }

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) >= copyBufSize {
		b.p.Put((*[copyBufSize]byte)(buf[:copyBufSize]))
	}
}
