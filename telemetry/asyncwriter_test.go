package telemetry_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/telemetry"
)

// lockedBuffer is safe for the writer goroutine and the test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestAsyncWriterKeepsEveryLineInOrder(t *testing.T) {
	var out lockedBuffer
	w := telemetry.NewAsyncWriter(&out, 4) // a small queue forces backpressure
	buf := make([]byte, 0, 64)
	for i := 0; i < 1000; i++ {
		buf = fmt.Appendf(buf[:0], "line %d\n", i)
		if _, err := w.Write(buf); err != nil { // the caller reuses its buffer at once
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("late\n")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.b.String(), "\n"), "\n")
	if len(lines) != 1001 || lines[0] != "line 0" || lines[999] != "line 999" || lines[1000] != "late" {
		t.Fatalf("%d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	for i := 0; i < 1000; i++ {
		if lines[i] != fmt.Sprintf("line %d", i) {
			t.Fatalf("line %d is %q", i, lines[i])
		}
	}
}
