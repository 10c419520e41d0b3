package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
)

// The bulk seed must leave exactly the rows the registry writes when a
// client registers the same servers through the service: every column but
// the timestamps and the random endpoint ids, server.json byte for byte.
func TestSeedWritesTheRegistrysRows(t *testing.T) {
	s := scale{servers: 120, endpoints: 255}
	ctx := context.Background()

	seeded := dbtest.Postgres(t)
	dbtest.Migrated(t, seeded)
	pool, err := pgxpool.New(ctx, seeded.ConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st, err := seed(ctx, pool, s)
	if err != nil {
		t.Fatal(err)
	}
	if st.servers != s.servers || st.endpoints != s.endpoints || st.versions != s.servers*len(planVersions) {
		t.Fatalf("seeded %+v, want %d servers, %d endpoints", st, s.servers, s.endpoints)
	}

	replayed := dbtest.Postgres(t)
	reg := mcpregistry.New(mcpregistry.Config{Store: store.New(dbtest.Migrated(t, replayed))})
	statuses := map[string]int{}
	for i := range s.servers {
		p := s.plan(i)
		replay(t, reg, p)
		for _, v := range p.versions {
			statuses[v.status]++
		}
	}
	// The small data set must still hold every case the big one has.
	for _, want := range []string{"draft", "active", "deprecated", "deleted"} {
		if statuses[want] == 0 {
			t.Errorf("no %s version in the test's data set: %v", want, statuses)
		}
	}

	for _, tc := range []struct{ table, cols string }{
		{"mcp_servers", "workspace, name, display_name, description, icons::text, created_by, last_updated_by"},
		{"mcp_server_versions", "workspace, name, version, version_major, version_minor, version_patch, version_prerelease_sort_key, " +
			"server_json::text, display_name, status, tools::text, source, created_by, last_updated_by"},
		{"mcp_server_aliases", "workspace, name, alias, version"},
		{"mcp_server_tags", `workspace, name, "key", value`},
		{"mcp_server_version_tags", `workspace, name, version, "key", value`},
		{"mcp_access_endpoints", "workspace, server_name, server_version, server_alias, url, transport_type, created_by, last_updated_by"},
	} {
		t.Run(tc.table, func(t *testing.T) {
			want, got := dump(t, replayed.ConnString, tc.table, tc.cols), dump(t, seeded.ConnString, tc.table, tc.cols)
			if !slices.Equal(got, want) {
				for k := range max(len(got), len(want)) {
					if k >= len(got) || k >= len(want) || got[k] != want[k] {
						t.Fatalf("%s differs at row %d (%d seeded, %d registered):\nseeded:     %v\nregistered: %v", tc.table, k,
							len(got), len(want), at(got, k), at(want, k))
					}
				}
			}
		})
	}
}

// replay registers p through the service, as a client would through the
// API: versions (active ones deprecated or drafts deleted afterwards), the
// server PATCH, tags, aliases, endpoints.
func replay(t *testing.T, reg *mcpregistry.Registry, p serverPlan) {
	t.Helper()
	ctx, a := context.Background(), scope.Scope{Workspace: "default", User: seedUser}
	must := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s %s: %v", p.name, what, err)
		}
	}
	for _, v := range p.versions {
		initial := "draft"
		if v.status == "active" || v.status == "deprecated" {
			initial = "active"
		}
		in := mcpregistry.CreateVersionInput{ServerJSON: json.RawMessage(v.serverJSON), DisplayName: v.displayName,
			Status: &initial, Source: v.source}
		if v.tools != "" {
			in.Tools = json.RawMessage(v.tools)
		}
		_, err := reg.CreateVersion(ctx, a, p.name, in)
		must("register "+v.version, err)
		switch v.status {
		case "deprecated":
			_, err = reg.UpdateVersion(ctx, a, p.name, v.version, mcpregistry.VersionPatch{Status: ptr("deprecated")})
		case "deleted":
			err = reg.DeleteVersion(ctx, a, p.name, v.version)
		}
		must("status of "+v.version, err)
	}
	if p.description != nil || p.displayName != nil {
		patch := mcpregistry.ServerPatch{}
		if p.description != nil {
			patch.Description = mcpregistry.Field[string]{Set: true, Value: p.description}
		}
		if p.displayName != nil {
			patch.DisplayName = mcpregistry.Field[string]{Set: true, Value: p.displayName}
		}
		_, err := reg.UpdateServer(ctx, a, p.name, patch)
		must("patch", err)
	}
	for _, tg := range p.tags {
		must("tag "+tg[0], reg.SetServerTag(ctx, a, p.name, mcpregistry.Tag{Key: tg[0], Value: &tg[1]}))
	}
	for _, al := range p.aliases {
		must("alias "+al[0], reg.SetAlias(ctx, a, p.name, al[0], al[1]))
	}
	for _, e := range p.endpoints {
		_, err := reg.CreateEndpoint(ctx, a, p.name, mcpregistry.CreateEndpointInput{URL: e.url, TransportType: &e.transport,
			ServerVersion: e.version, ServerAlias: e.alias})
		must("endpoint "+e.url, err)
	}
}

// dump is a table's rows as text, in a stable order.
func dump(t *testing.T, conn, table, cols string) []string {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, "SELECT "+cols+" FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprintf("%#v", deref(v)))
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func deref(v any) any {
	if s, ok := v.(*string); ok && s != nil {
		return *s
	}
	return v
}

func at(rows []string, k int) string {
	if k < len(rows) {
		return rows[k]
	}
	return "(none)"
}
