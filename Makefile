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

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee bin/go-bench.txt
	$(GO) run ./cmd/sidecar-loadgen -sidecar ./$(BIN) -out BENCHMARKS.md

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
