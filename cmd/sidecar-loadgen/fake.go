package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Paths of the fake MLflow. They look like MLflow's so that a real sidecar
// binary forwards them like any other MLflow route.
const (
	pathSmallGET = "/api/2.0/mlflow/experiments/get"
	pathPOST     = "/api/2.0/mlflow/runs/log-batch"
	pathArtifact = "/api/2.0/mlflow-artifacts/artifacts/loadgen/big.bin"
)

// smallJSON is about the size of a real experiments/get answer.
var smallJSON = []byte(`{"experiment":{"experiment_id":"0","name":"Default","artifact_location":"mlflow-artifacts:/0",` +
	`"lifecycle_stage":"active","last_update_time":1700000000000,"creation_time":1700000000000,` +
	`"tags":[{"key":"mlflow.note.content","value":"load generator"}]}}`)

// fakeMLflow serves the four endpoints the benchmark needs. delay, when
// set, stands in for MLflow's own service time on the small GET and POST.
func fakeMLflow(streamSize int64, delay time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathSmallGET, func(w http.ResponseWriter, r *http.Request) {
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(smallJSON)
	})
	mux.HandleFunc("POST "+pathPOST, func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"received":%d}`, n)
	})
	mux.HandleFunc("GET "+pathArtifact, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(streamSize, 10))
		io.Copy(w, &lazyBytes{n: streamSize})
	})
	mux.HandleFunc("PUT "+pathArtifact, func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"received":%d}`, n)
	})
	return mux
}

// startFake serves h on a loopback port and returns its base URL.
func startFake(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// lazyBytes yields n bytes of a fixed pattern without holding them.
type lazyBytes struct{ off, n int64 }

var block = func() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}()

func (l *lazyBytes) Read(p []byte) (int, error) {
	if l.off >= l.n {
		return 0, io.EOF
	}
	if rem := l.n - l.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], block[(l.off+int64(n))%int64(len(block)):])
	}
	l.off += int64(n)
	return n, nil
}
