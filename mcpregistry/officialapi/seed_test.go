package officialapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// row is one version to seed in bulk.
type row struct {
	name, version string
	status        mcpregistry.Status
	at            int64 // created_at = last_updated_at
}

// seed writes rows straight into the MCP tables, in one transaction, in the
// form the registry writes them (parent server, SemVer columns, canonical
// server.json): registering thousands of versions through the service
// would dominate a test that is about reading them.
func (e *env) seed(ws string, rows []row) {
	e.t.Helper()
	err := e.db.Write(e.ctx, func(q mlflowdb.Querier) error {
		for _, r := range rows {
			sv, err := mcpregistry.ParseVersion(r.version)
			if err != nil {
				return err
			}
			if _, err := q.Exec(e.ctx, `INSERT INTO mcp_servers (workspace, name, created_at, last_updated_at)
				VALUES ($1, $2, $3, $3) ON CONFLICT (workspace, name) DO NOTHING`, ws, r.name, r.at); err != nil {
				return err
			}
			if _, err := q.Exec(e.ctx, `INSERT INTO mcp_server_versions (workspace, name, version, version_major,
				version_minor, version_patch, version_prerelease_sort_key, server_json, status, created_at, last_updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, ws, r.name, r.version, int64(sv.Major()),
				int64(sv.Minor()), int64(sv.Patch()), sv.SortKey(), string(serverJSON(r.name, r.version)),
				string(r.status), r.at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatalf("seeding %d rows: %v", len(rows), err)
	}
}

// key is a (name, version) pair as listed.
type key struct{ name, version string }

func (k key) less(o key) bool { return k.name < o.name || (k.name == o.name && k.version < o.version) }

// walk lists every page of path (a /servers URL with its query) with the
// given page size, calling between after each page but the last. It checks
// every page with the upstream types and returns the keys in order.
func (e *env) walk(path, ws string, limit int, between func(last key)) []key {
	e.t.Helper()
	var out []key
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100_000 {
			e.t.Fatal("the walk does not end")
		}
		u := fmt.Sprintf("%s&limit=%d", path, limit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		up, _ := decodeList(e.t, e.get(u, ws))
		for _, s := range up.Servers {
			out = append(out, key{s.Server.Name, s.Server.Version})
		}
		cursor = up.Metadata.NextCursor
		if cursor == "" {
			return out
		}
		if len(up.Servers) != limit {
			e.t.Fatalf("a page of %d items before the end (limit %d)", len(up.Servers), limit)
		}
		if between != nil {
			between(out[len(out)-1])
		}
	}
}

func keysOf(t testing.TB, body []byte) []key {
	t.Helper()
	up, _ := decodeList(t, body)
	out := make([]key, len(up.Servers))
	for i, s := range up.Servers {
		out[i] = key{s.Server.Name, s.Server.Version}
	}
	return out
}
