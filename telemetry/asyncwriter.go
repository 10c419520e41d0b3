package telemetry

import (
	"io"
	"sync"
)

// AsyncWriter moves log output off the request path: Write copies the line
// into a bounded queue and one goroutine writes the lines out in order, so a
// request does not wait for a write system call on stderr before its
// response is flushed. A full queue makes Write wait (backpressure), so no
// line is ever dropped; Close drains the queue.
type AsyncWriter struct {
	out  io.Writer
	ch   chan *[]byte
	done chan struct{}
	pool sync.Pool
	mu   sync.RWMutex // Close excludes writers
	shut bool
}

// NewAsyncWriter starts a writer in front of out with room for queue lines.
func NewAsyncWriter(out io.Writer, queue int) *AsyncWriter {
	w := &AsyncWriter{out: out, ch: make(chan *[]byte, queue), done: make(chan struct{})}
	w.pool.New = func() any { b := make([]byte, 0, 512); return &b }
	go w.run()
	return w
}

func (w *AsyncWriter) run() {
	defer close(w.done)
	for bp := range w.ch {
		_, _ = w.out.Write(*bp)
		if cap(*bp) <= 64<<10 { // keep the pool's buffers small
			w.pool.Put(bp)
		}
	}
}

// Write implements io.Writer; slog hands each record to Write once.
func (w *AsyncWriter) Write(p []byte) (int, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.shut {
		return w.out.Write(p) // after Close: late lines go straight out
	}
	bp := w.pool.Get().(*[]byte)
	*bp = append((*bp)[:0], p...)
	w.ch <- bp
	return len(p), nil
}

// Close writes every queued line and stops the goroutine.
func (w *AsyncWriter) Close() error {
	w.mu.Lock()
	if !w.shut {
		w.shut = true
		close(w.ch)
	}
	w.mu.Unlock()
	<-w.done
	return nil
}
