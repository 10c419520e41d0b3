package main

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/proxy"
)

// target is the sidecar under test.
type target struct {
	desc string // for the report
	url  string
	pid  int // the process whose memory is measured
	stop func()
}

// serveProxy serves a proxy.Router with no routes of its own in front of
// upstream, as the sidecar binary does, until the listener fails.
func serveProxy(upstream string, l net.Listener) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	up, err := proxy.NewUpstream(proxy.Config{URL: upstream, Logger: logger})
	if err != nil {
		return err
	}
	rt, err := proxy.NewRouter("", up)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rt, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return srv.Serve(l)
}

// runProxyChild is the -run-proxy mode: it prints its address and serves.
func runProxyChild(upstream string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("LISTEN %s\n", l.Addr())
	return serveProxy(upstream, l)
}

// startChild runs this binary again in -run-proxy mode, so the proxy has
// its own process (and its own RSS) without the sidecar binary.
func startChild(upstream string, procs int) (*target, error) {
	return startSelf("proxy.Router in a child process (`sidecar-loadgen -run-proxy`)", procs, "-run-proxy", "-upstream", upstream)
}

// envChild marks a child started by startSelf, so that a test binary
// standing in for this one runs main in the child (see TestMain).
const envChild = "SIDECAR_LOADGEN_CHILD"

// startSelf runs this binary again with args, in a mode that prints
// "LISTEN <addr>" and serves.
func startSelf(desc string, procs int, args ...string) (*target, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	cmd.Env = append(childEnv(procs), envChild+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "LISTEN ")
	if err != nil || !ok {
		stopProcess(cmd)
		return nil, fmt.Errorf("%s did not report its address (%q): %v", args[0], line, err)
	}
	return &target{desc: desc, url: "http://" + addr, pid: cmd.Process.Pid, stop: func() { stopProcess(cmd) }}, nil
}

// startInProcess serves the proxy inside this process: for profiling. Its
// memory figures are those of the whole load generator.
func startInProcess(upstream string) (*target, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go serveProxy(upstream, l)
	return &target{
		desc: "proxy.Router in the load generator's own process (memory figures include the generator)",
		url:  "http://" + l.Addr().String(), pid: os.Getpid(), stop: func() { l.Close() },
	}, nil
}

// startBinary runs the mlflow-sidecar binary in front of upstream on the
// backend store, with extra flags.
func startBinary(bin, upstream, store, dir string, procs int, extra ...string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "sidecar.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--upstream", upstream, "--host", "127.0.0.1",
		"--port", strconv.Itoa(port), "--admin-addr", "127.0.0.1:" + strconv.Itoa(admin),
		"--backend-store-uri", store}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = childEnv(procs)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &target{
		desc: fmt.Sprintf("`%s` binary (log: %s)", bin, logf.Name()),
		url:  fmt.Sprintf("http://127.0.0.1:%d", port), pid: cmd.Process.Pid,
		stop: func() { stopProcess(cmd); logf.Close() },
	}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// waitReady polls path through the target until it answers 200.
func waitReady(base, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		res, err := http.Get(base + path)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s: %v", base, timeout, last)
}

// procStatusKiB reads a "kB" field (VmRSS, VmHWM) of /proc/<pid>/status.
func procStatusKiB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New(field + " not in /proc status")
}

// resetPeakRSS makes VmHWM restart from the current RSS (Linux 4.0+), so a
// phase's peak is not the peak of an earlier phase.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// childEnv is this process's environment, with GOMAXPROCS for the sidecar
// when procs > 0.
func childEnv(procs int) []string {
	env := os.Environ()
	if procs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	return env
}
