package tracking

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

const instrumentationName = "github.com/mlflow-sidecar/mlflow-sidecar/tracking"

// Config wires a Service.
type Config struct {
	DB *mlflowdb.DB
	// Store is the registry's store (mcpregistry/store), read for the
	// version views of VersionsForTrace.
	Store mcpregistry.Store
	// Clock gives "now" (created_time); time.Now when nil.
	Clock func() time.Time
	// NewAssociationID returns a fresh association_id; str(uuid4()) form when nil.
	NewAssociationID func() string
}

// Service links traces to MCP server versions, in MLflow's own tables: one
// entity_associations row per link and the trace tag LinkedServersTag,
// written together in one transaction.
type Service struct {
	db     *mlflowdb.DB
	store  mcpregistry.Store
	now    func() time.Time
	newID  func() string
	probe  schemaProbe
	tracer trace.Tracer
}

// New returns a Service. DB and Store are required.
func New(cfg Config) *Service {
	if cfg.DB == nil || cfg.Store == nil {
		panic("tracking: Config.DB and Config.Store are required")
	}
	s := &Service{db: cfg.DB, store: cfg.Store, now: cfg.Clock, newID: cfg.NewAssociationID,
		tracer: otel.Tracer(instrumentationName)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	return s
}

// Span attribute keys of link, unlink and auto-link spans.
const (
	AttrTraceID       = attribute.Key("mlflow.trace.id")
	AttrWorkspace     = attribute.Key("mlflow.workspace")
	AttrServerNames   = attribute.Key("mcp.server.name")
	AttrServerVersion = attribute.Key("mcp.server.version")
)

// startSpan opens the span of one link or unlink call, carrying the trace id
// and the names and versions (parallel arrays) it acts on.
func (s *Service) startSpan(ctx context.Context, name, ws, traceID string, refs []VersionRef) (context.Context, trace.Span) {
	names := make([]string, len(refs))
	versions := make([]string, len(refs))
	for i, r := range refs {
		names[i], versions[i] = r.Name, r.Version
	}
	return s.tracer.Start(ctx, name, trace.WithAttributes(
		AttrTraceID.String(traceID), AttrWorkspace.String(ws),
		AttrServerNames.StringSlice(names), AttrServerVersion.StringSlice(versions)))
}

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// lockKey serialises the writers of one trace, so that two concurrent links
// or unlinks cannot lose each other's tag entries. No NUL separator:
// PostgreSQL text cannot hold one, and the fixed prefix is unambiguous.
func lockKey(traceID string) string { return "mlflow-trace:" + traceID }
