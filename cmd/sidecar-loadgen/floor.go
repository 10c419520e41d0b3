package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// The floor: for every read scenario, the least an HTTP service can do to
// answer it, one indexed statement through pgx whose rows are written as
// JSON, with no service layer, views, validation, logging or telemetry.
// It runs in its own process (-run-floor) with the sidecar's pool size and
// session settings, so that it competes for the two cores as the sidecar
// does.

const floorWS = "default"

// floorServers are the server searches, keyed by the kind query parameter.
// Each takes $1 workspace, $2 the name to start after, then its own
// arguments, and returns one row more than a page so that the handler
// knows whether there is a next page.
var floorServers = map[string]string{
	"all":       "SELECT * FROM mcp_servers s WHERE s.workspace = $1 AND s.name > $2 ORDER BY s.name LIMIT 21",
	"like":      "SELECT * FROM mcp_servers s WHERE s.workspace = $1 AND s.name > $2 AND s.name LIKE $3 ORDER BY s.name LIMIT 21",
	"tag":       floorExists(`mcp_server_tags t WHERE t.workspace = s.workspace AND t.name = s.name AND t."key" = $3 AND t.value = $4`),
	"status":    floorExists("mcp_server_versions v WHERE v.workspace = s.workspace AND v.name = s.name AND v.status = $3"),
	"endpoints": floorExists("mcp_access_endpoints e WHERE e.workspace = s.workspace AND e.server_name = s.name"),
}

func floorExists(cond string) string {
	return "SELECT * FROM mcp_servers s WHERE s.workspace = $1 AND s.name > $2 AND EXISTS (SELECT 1 FROM " + cond +
		") ORDER BY s.name LIMIT 21"
}

const (
	floorServerSQL  = "SELECT * FROM mcp_servers WHERE workspace = $1 AND name = $2"
	floorVersionSQL = "SELECT * FROM mcp_server_versions WHERE workspace = $1 AND name = $2 AND version = $3"
	// floorLatestSQL is latest resolution (wire-api.md §6.2) as one ordered
	// lookup of the server's non-deleted versions.
	floorLatestSQL = "SELECT * FROM mcp_server_versions WHERE workspace = $1 AND name = $2 AND status <> 'deleted' " +
		"ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, version_major DESC, version_minor DESC, version_patch DESC, " +
		`version_prerelease_sort_key COLLATE "C" DESC, created_at DESC, version COLLATE "C" DESC LIMIT 1`
	floorEndpointsSQL = "SELECT * FROM mcp_access_endpoints WHERE workspace = $1 AND id > $2 ORDER BY id LIMIT 21"
	// floorPublishedSQL is a page of the official list: published versions
	// in (name, version) order after a position, with a substring search.
	floorPublishedSQL = "SELECT name, version, server_json, status, created_at, last_updated_at FROM mcp_server_versions " +
		"WHERE workspace = $1 AND status IN ('active', 'deprecated') AND name ILIKE $2 AND (name, version) > ($3, $4) " +
		"ORDER BY name, version LIMIT 101"
	floorInsertSQL = "INSERT INTO mcp_server_versions (workspace, name, version, version_major, version_minor, version_patch, " +
		"version_prerelease_sort_key, server_json, status, created_at, last_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $9)"
)

// runFloorChild is the -run-floor mode: it prints its address and serves.
func runFloorChild(dbURL string) error {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = mlflowdb.DefaultMaxConns
	cfg.ConnConfig.RuntimeParams["jit"] = "off" // as the sidecar's sessions
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		// json columns pass through as the stored text: the floor does not
		// pay for decoding and re-encoding server.json.
		c.TypeMap().RegisterType(&pgtype.Type{Name: "json", OID: pgtype.JSONOID, Codec: &pgtype.JSONCodec{
			Marshal: json.Marshal,
			Unmarshal: func(data []byte, v any) error {
				if p, ok := v.(*any); ok {
					*p = json.RawMessage(bytes.Clone(data))
					return nil
				}
				return json.Unmarshal(data, v)
			},
		}})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("LISTEN %s\n", l.Addr())
	srv := &http.Server{Handler: floorHandler(pool), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: log.New(io.Discard, "", 0)}
	return srv.Serve(l)
}

func floorHandler(pool *pgxpool.Pool) http.Handler {
	mux := http.NewServeMux()
	one := func(sql string, args func(r *http.Request) []any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			writeRows(w, pool, "", 0, sql, args(r)...)
		}
	}
	mux.HandleFunc("GET /server", one(floorServerSQL, func(r *http.Request) []any { return []any{floorWS, r.FormValue("name")} }))
	mux.HandleFunc("GET /version", one(floorVersionSQL, func(r *http.Request) []any {
		return []any{floorWS, r.FormValue("name"), r.FormValue("version")}
	}))
	mux.HandleFunc("GET /latest", one(floorLatestSQL, func(r *http.Request) []any { return []any{floorWS, r.FormValue("name")} }))
	mux.HandleFunc("GET /servers", func(w http.ResponseWriter, r *http.Request) {
		sql, ok := floorServers[r.FormValue("kind")]
		if !ok {
			http.Error(w, "unknown kind", http.StatusBadRequest)
			return
		}
		args := []any{floorWS, r.FormValue("after")}
		for _, a := range r.Form["arg"] {
			args = append(args, a)
		}
		writeRows(w, pool, "mcp_servers", 20, sql, args...)
	})
	mux.HandleFunc("GET /endpoints", func(w http.ResponseWriter, r *http.Request) {
		writeRows(w, pool, "mcp_access_endpoints", 20, floorEndpointsSQL, floorWS, r.FormValue("after"))
	})
	mux.HandleFunc("GET /published", func(w http.ResponseWriter, r *http.Request) {
		writeRows(w, pool, "servers", 100, floorPublishedSQL, floorWS, "%"+r.FormValue("search")+"%",
			r.FormValue("after_name"), r.FormValue("after_version"))
	})
	mux.HandleFunc("POST /versions", func(w http.ResponseWriter, r *http.Request) { floorRegister(w, r, pool) })
	return mux
}

// writeRows answers with the statement's rows: one object for a lookup
// (list == ""; 404 without a row), else {list: [...], "next": ...} where
// the statement fetched up to size+1 rows, the extra one only telling that
// there is more, and next is then the page's last row (else null).
func writeRows(w http.ResponseWriter, pool *pgxpool.Pool, list string, size int, sql string, args ...any) {
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	objs := []json.RawMessage{}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			break
		}
		var b bytes.Buffer
		b.WriteByte('{')
		for i, f := range rows.FieldDescriptions() {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.Name)
			v, _ := json.Marshal(vals[i])
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
		objs = append(objs, b.Bytes())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if list == "" {
		if len(objs) == 0 {
			http.Error(w, `{"error_code":"RESOURCE_DOES_NOT_EXIST"}`, http.StatusNotFound)
			return
		}
		w.Write(objs[0])
		return
	}
	out := map[string]any{list: objs, "next": nil}
	if len(objs) > size {
		out[list], out["next"] = objs[:size], objs[size-1]
	}
	json.NewEncoder(w).Encode(out)
}

// floorRegister is the floor of a registration: the request's name and
// version, the SemVer columns, and one autocommitted INSERT.
func floorRegister(w http.ResponseWriter, r *http.Request, pool *pgxpool.Pool) {
	var req struct {
		ServerJSON json.RawMessage `json:"server_json"`
	}
	var doc struct{ Name, Version string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || json.Unmarshal(req.ServerJSON, &doc) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	sv, err := mcpregistry.ParseVersion(doc.Version)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now().UnixMilli()
	if _, err := pool.Exec(r.Context(), floorInsertSQL, floorWS, doc.Name, doc.Version, sv.Major(), sv.Minor(), sv.Patch(),
		sv.SortKey(), string(req.ServerJSON), now); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"name":%q,"version":%q}`, doc.Name, doc.Version)
}
