# syntax=docker/dockerfile:1
# Multi-stage build: a static, CGO-free binary (modernc.org/sqlite is pure Go)
# on a distroless base that runs as an unprivileged user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/mlflow-sidecar ./cmd/mlflow-sidecar

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mlflow-sidecar /usr/local/bin/mlflow-sidecar
# The public listener must accept connections from outside the container; the
# admin listener stays reachable for kubelet probes and Prometheus.
ENV MLFLOW_SIDECAR_HOST=0.0.0.0 \
    MLFLOW_SIDECAR_ADMIN_ADDR=0.0.0.0:9464
EXPOSE 5001 9464
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/mlflow-sidecar"]
CMD ["serve"]
