package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkProxySmallGET is the hot path: a keep-alive client, the proxy
// and a fake MLflow answering a small JSON body, all in this process. Run
// with -cpuprofile to see where a proxied request spends its time.
func BenchmarkProxySmallGET(b *testing.B) {
	body := []byte(`{"experiment":{"experiment_id":"0","name":"Default","lifecycle_stage":"active"}}`)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer upstream.Close()
	up, err := NewUpstream(Config{URL: upstream.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer up.Close()
	rt, _ := NewRouter("", up)
	front := httptest.NewServer(rt)
	defer front.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := front.URL + "/api/2.0/mlflow/experiments/get?experiment_id=0"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
