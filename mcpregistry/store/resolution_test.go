package store_test

import (
	"fmt"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/store"
)

// TestResolutionEncodingsAgree: filters test resolvability and the resolved
// status without resolving "latest", views resolve it; over every kind of
// endpoint target, live or dead, the three must agree.
func TestResolutionEncodingsAgree(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		seedEndpoints(e) // e1..e6 resolve; e7 targets a missing version
		const c = "io.acme/cc"
		e.mustRegister(c, "1.0.0", "")
		e.mustRegister(c, "2.0.0", "")
		e.setStatus(c, "2.0.0", "active", "deprecated") // latest by the ordered rule: deprecated 2.0.0
		e.must(e.reg.SetAlias(e.ctx, e.alice, c, "gone", "1.0.0"))
		e.endpoint(c, nil, ptr("latest"))
		e.endpoint(c, nil, ptr("gone"))
		e.setStatus(c, "1.0.0", "deleted") // the alias now points at a deleted version
		for _, ep := range []struct{ version, alias any }{{nil, nil}, {nil, "missing"}} {
			e.rawExec("INSERT INTO mcp_access_endpoints (id, workspace, server_name, server_version, server_alias, url, "+
				"transport_type, created_at, last_updated_at) VALUES ($1, 'default', $2, $3, $4, 'https://x.example.com', 'sse', 1, 1)",
				fmt.Sprintf("ae-%032x", e.ids.Add(1)), c, ep.version, ep.alias)
		}
		e.mustRegister("io.acme/dd", "1.0.0", "")
		e.endpoint("io.acme/dd", nil, ptr("latest"))
		e.rawExec("UPDATE mcp_server_versions SET status = 'deleted' WHERE name = 'io.acme/dd'") // latest with nothing live

		rows, err := e.db.Q().Query(e.ctx, store.ResolutionSQL(e.db.Dialect()))
		e.must(err)
		defer rows.Close()
		resolvedCount := 0
		for rows.Next() {
			var id string
			var resolvable bool
			var status, version, rvStatus *string
			e.must(rows.Scan(&id, &resolvable, &status, &version, &rvStatus))
			if resolvable != (version != nil) || deref(status) != deref(rvStatus) {
				t.Errorf("%s: resolvable %v, resolved status %s; the join finds %s (%s)", id, resolvable, deref(status),
					deref(version), deref(rvStatus))
			}
			if resolvable {
				resolvedCount++
			}
		}
		e.must(rows.Err())
		if resolvedCount != 7 { // e1..e6 and cc's latest
			t.Errorf("%d endpoints resolve, want 7", resolvedCount)
		}
	})
}
