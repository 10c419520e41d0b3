package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
)

// seedBatch is how many servers go into one round of COPYs: big enough
// that the round trips do not matter, small enough to stay a few MiB.
const seedBatch = 500

// seedUser is who registered everything (the registry stores the
// authenticated user; MLflow stores NULL without authentication).
var seedUser = ptr("platform-bot")

type seedStats struct {
	servers, versions, endpoints, aliases, tags int
	holders                                     int // servers with endpoints
	took                                        time.Duration
}

// seedTables are the columns the seed fills, in the order COPY needs them
// (parents before children).
var seedTables = []struct {
	name string
	cols []string
}{
	{"mcp_servers", []string{"workspace", "name", "display_name", "description", "icons", "created_by", "last_updated_by",
		"created_at", "last_updated_at"}},
	{"mcp_server_versions", []string{"workspace", "name", "version", "version_major", "version_minor", "version_patch",
		"version_prerelease_sort_key", "server_json", "display_name", "status", "tools", "source", "created_by",
		"last_updated_by", "created_at", "last_updated_at"}},
	{"mcp_server_aliases", []string{"workspace", "name", "alias", "version"}},
	{"mcp_server_tags", []string{"workspace", "name", "key", "value"}},
	{"mcp_access_endpoints", []string{"id", "workspace", "server_name", "server_version", "server_alias", "url",
		"transport_type", "created_by", "last_updated_by", "created_at", "last_updated_at"}},
}

// seed writes the data set with COPY, in the registry's own stored form:
// server.json and tools go through the same validation and
// canonicalisation as a registration (mcpspec), the SemVer columns through
// mcpregistry.ParseVersion, endpoint ids through mcpregistry.NewEndpointID.
// Registering 100,000 versions through the API would take minutes (the
// report gives the measured registration rate to compare).
func seed(ctx context.Context, pool *pgxpool.Pool, s scale) (seedStats, error) {
	start := time.Now()
	var st seedStats
	for lo := 0; lo < s.servers; lo += seedBatch {
		rows := make([][][]any, len(seedTables))
		for i := lo; i < min(lo+seedBatch, s.servers); i++ {
			if err := s.plan(i).rows(ctx, rows); err != nil {
				return st, err
			}
			if s.endpointCount(i) > 0 {
				st.holders++
			}
		}
		for k, t := range seedTables {
			if _, err := pool.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows[k])); err != nil {
				return st, fmt.Errorf("seeding %s: %w", t.name, err)
			}
		}
		st.servers += len(rows[0])
		st.versions += len(rows[1])
		st.aliases += len(rows[2])
		st.tags += len(rows[3])
		st.endpoints += len(rows[4])
	}
	// Statistics and the visibility map (index-only scans), as autovacuum
	// leaves them on a database at rest.
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return st, err
	}
	st.took = time.Since(start)
	return st, nil
}

// rows appends the plan's rows to rows[k] for seedTables[k]. Timestamps
// follow the registration order: versions an hour apart, a status change
// an hour after the registration, the server PATCH after the first version.
func (p serverPlan) rows(ctx context.Context, rows [][][]any) error {
	const ws, hour = "default", int64(3_600_000)
	updated := p.createdAt
	if p.description != nil || p.displayName != nil {
		updated += hour / 2
	}
	rows[0] = append(rows[0], []any{ws, p.name, p.displayName, p.description, nil, seedUser, seedUser, p.createdAt, updated})
	for j, v := range p.versions {
		doc, tools, err := canonicalVersion(ctx, v)
		if err != nil {
			return err
		}
		sv, err := mcpregistry.ParseVersion(v.version)
		if err != nil {
			return err
		}
		at := p.createdAt + int64(j)*hour
		changed, by := at, seedUser
		switch v.status {
		case "deprecated":
			changed = at + hour
		case "deleted":
			changed, by = at+hour, seedUser // a DELETE keeps last_updated_by (wire-api.md §6.4)
		}
		rows[1] = append(rows[1], []any{ws, p.name, v.version, sv.Major(), sv.Minor(), sv.Patch(), sv.SortKey(),
			string(doc), v.displayName, v.status, tools, v.source, seedUser, by, at, changed})
	}
	for _, a := range p.aliases {
		rows[2] = append(rows[2], []any{ws, p.name, a[0], a[1]})
	}
	for _, t := range p.tags {
		rows[3] = append(rows[3], []any{ws, p.name, t[0], t[1]})
	}
	last := p.createdAt + int64(len(p.versions))*hour
	for _, e := range p.endpoints {
		rows[4] = append(rows[4], []any{mcpregistry.NewEndpointID(), ws, p.name, e.version, e.alias, e.url, e.transport,
			seedUser, seedUser, last, last})
	}
	return nil
}

// canonicalVersion is the stored form of a version's server.json and tools
// (nil tools: NULL).
func canonicalVersion(ctx context.Context, v versionPlan) (json.RawMessage, *string, error) {
	var tools json.RawMessage
	if v.tools != "" {
		tools = json.RawMessage(v.tools)
	}
	doc, stored, err := mcpspec.ValidateVersion(ctx, json.RawMessage(v.serverJSON), tools, &mcpspec.IconPolicy{}, mcpspec.ServerJSONOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("seed document %s: %w", v.version, err)
	}
	if stored == nil {
		return doc.Canonical, nil, nil
	}
	return doc.Canonical, ptr(string(stored)), nil
}
