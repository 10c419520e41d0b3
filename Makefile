# mlflow-sidecar. `make run` starts the sidecar on the embedded SQLite default;
# `make test` runs every test against real PostgreSQL and SQLite.

GO        ?= go
BIN       := bin/mlflow-sidecar
PKG       := ./cmd/mlflow-sidecar
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# Tests use this PostgreSQL server (each test gets its own schema). Without it
# they try a Docker engine (testcontainers), then 127.0.0.1:5432.
SIDECAR_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export SIDECAR_TEST_DATABASE_URL

.PHONY: build run test test-short fuzz bench lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) $(PKG)

run: build
	./$(BIN) serve

test:
	$(GO) test -race -count=1 -timeout 20m ./...

# Each fuzz target for a few seconds (CI); run longer by hand with FUZZTIME=5m.
FUZZTIME ?= 5s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Go benchmarks at the issues' scale (10,000 registry servers, 1,000,000
# trace links), then the load generator against the built binary: the proxy
# with a zero-cost fake MLflow and with 1 ms of MLflow service time, the bare
# proxy.Router (what the binary's middleware costs), and the registry on a
# fresh PostgreSQL database. Each run replaces its own section
# of BENCHMARKS.md. About 15 minutes on 2 cores; needs only PostgreSQL
# (SIDECAR_TEST_DATABASE_URL). Raw Go output: bin/go-bench.txt.
BENCHTIME  ?= 1s
BENCH_PKGS  = $(shell grep -rl --include='*_test.go' '^func Benchmark' . | xargs -n1 dirname | sort -u)
BENCH_GO    = SIDECAR_BENCH_SERVERS=10000 SIDECAR_BENCH_ASSOCIATIONS=1000000 \
              $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m $(BENCH_PKGS)
LOADGEN    := bin/sidecar-loadgen
bench: build
	$(GO) build -o $(LOADGEN) ./cmd/sidecar-loadgen
	{ $(BENCH_GO); echo $$? > bin/go-bench.status; } 2>&1 | tee bin/go-bench.txt; exit $$(cat bin/go-bench.status)
	./$(LOADGEN) -mode gobench -go-bench bin/go-bench.txt -go-bench-command "$(strip $(BENCH_GO))" -out BENCHMARKS.md
	./$(LOADGEN) -mode proxy -sidecar ./$(BIN) -d 3s -out BENCHMARKS.md
	./$(LOADGEN) -mode proxy -sidecar ./$(BIN) -d 3s -upstream-delay 1ms -skip-streams -out BENCHMARKS.md
	./$(LOADGEN) -mode proxy -d 3s -skip-streams -section proxy-router-only -out BENCHMARKS.md
	./$(LOADGEN) -mode registry -sidecar ./$(BIN) -d 3s -out BENCHMARKS.md

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
