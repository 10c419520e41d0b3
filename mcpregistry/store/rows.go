package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Column lists, in the order the scanners below expect them.
const (
	serverCols = "s.workspace, s.name, s.display_name, s.description, s.icons, s.created_by, s.last_updated_by, " +
		"s.created_at, s.last_updated_at"
	endpointCols = "e.id, e.workspace, e.server_name, e.server_version, e.server_alias, e.url, e.transport_type, " +
		"e.created_by, e.last_updated_by, e.created_at, e.last_updated_at"
)

// versionCols lists a version's columns under table alias v.
func versionCols(v string) string {
	return v + ".workspace, " + v + ".name, " + v + ".version, " + v + ".version_major, " + v + ".version_minor, " +
		v + ".version_patch, " + v + ".version_prerelease_sort_key, " + v + ".server_json, " + v + ".display_name, " +
		v + ".status, " + v + ".tools, " + v + ".source, " + v + ".created_by, " + v + ".last_updated_by, " +
		v + ".created_at, " + v + ".last_updated_at"
}

// serverScan receives serverCols.
type serverScan struct {
	s     mcpregistry.Server
	icons []byte
}

func (r *serverScan) dest() []any {
	s := &r.s
	return []any{&s.Workspace, &s.Name, &s.DisplayName, &s.Description, &r.icons, &s.CreatedBy, &s.LastUpdatedBy,
		&s.CreatedAt, &s.LastUpdatedAt}
}

func (r *serverScan) server() mcpregistry.Server {
	s := r.s
	s.Icons = r.icons
	return s
}

// versionScan receives versionCols (with any table alias).
type versionScan struct {
	v         mcpregistry.Version
	status    string
	sj, tools []byte
}

func (r *versionScan) dest() []any {
	v := &r.v
	return []any{&v.Workspace, &v.Name, &v.Version, &v.Major, &v.Minor, &v.Patch, &v.PrereleaseSortKey,
		&r.sj, &v.DisplayName, &r.status, &r.tools, &v.Source, &v.CreatedBy, &v.LastUpdatedBy,
		&v.CreatedAt, &v.LastUpdatedAt}
}

func (r *versionScan) version() mcpregistry.Version {
	v := r.v
	v.Status, v.ServerJSON, v.Tools = mcpregistry.Status(r.status), r.sj, r.tools
	return v
}

// optVersionScan receives versionCols of an outer-joined version, which may
// be all NULL.
type optVersionScan struct {
	ws, name, version, sortKey, status, displayName, source, createdBy, updatedBy *string
	major, minor, patch, createdAt, updatedAt                                     *int64
	sj, tools                                                                     []byte
}

func (r *optVersionScan) dest() []any {
	return []any{&r.ws, &r.name, &r.version, &r.major, &r.minor, &r.patch, &r.sortKey, &r.sj, &r.displayName,
		&r.status, &r.tools, &r.source, &r.createdBy, &r.updatedBy, &r.createdAt, &r.updatedAt}
}

// get is the version, nil when the join found none.
func (r *optVersionScan) get() *mcpregistry.Version {
	if r.version == nil || r.ws == nil || r.name == nil || r.sortKey == nil || r.status == nil || r.major == nil ||
		r.minor == nil || r.patch == nil || r.createdAt == nil || r.updatedAt == nil {
		return nil
	}
	return &mcpregistry.Version{
		Workspace: *r.ws, Name: *r.name, Version: *r.version, Major: *r.major, Minor: *r.minor, Patch: *r.patch,
		PrereleaseSortKey: *r.sortKey, ServerJSON: r.sj, DisplayName: r.displayName, Status: mcpregistry.Status(*r.status),
		Tools: r.tools, Source: r.source, CreatedBy: r.createdBy, LastUpdatedBy: r.updatedBy, CreatedAt: *r.createdAt,
		LastUpdatedAt: *r.updatedAt,
	}
}

// endpointScan receives endpointCols.
type endpointScan struct {
	e         mcpregistry.Endpoint
	transport string
}

func (r *endpointScan) dest() []any {
	e := &r.e
	return []any{&e.ID, &e.Workspace, &e.ServerName, &e.ServerVersion, &e.ServerAlias, &e.URL, &r.transport,
		&e.CreatedBy, &e.LastUpdatedBy, &e.CreatedAt, &e.LastUpdatedAt}
}

func (r *endpointScan) endpoint() mcpregistry.Endpoint {
	e := r.e
	e.TransportType = mcpregistry.TransportType(r.transport)
	return e
}

// queryOne runs a single-row query; found is false when it returned no row.
func queryOne(ctx context.Context, q mlflowdb.Querier, sql string, args []any, dest ...any) (found bool, err error) {
	err = q.QueryRow(ctx, sql, args...).Scan(dest...)
	if err == mlflowdb.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// The JSON the view statements nest. Keys are short because every page
// carries one object per endpoint and per version; JSON columns travel as
// strings (see jsonText).

type tagJSON struct {
	Key   string  `json:"k"`
	Value *string `json:"v"`
}

type aliasJSON struct {
	Alias   string `json:"a"`
	Version string `json:"v"`
}

type versionJSON struct {
	Workspace     string    `json:"w"`
	Name          string    `json:"n"`
	Version       string    `json:"v"`
	Major         int64     `json:"ma"`
	Minor         int64     `json:"mi"`
	Patch         int64     `json:"pa"`
	SortKey       string    `json:"sk"`
	ServerJSON    string    `json:"sj"`
	DisplayName   *string   `json:"dn"`
	Status        string    `json:"st"`
	Tools         *string   `json:"tl"`
	Source        *string   `json:"so"`
	CreatedBy     *string   `json:"cb"`
	LastUpdatedBy *string   `json:"lb"`
	CreatedAt     int64     `json:"ca"`
	LastUpdatedAt int64     `json:"la"`
	Aliases       []string  `json:"al"`
	Tags          []tagJSON `json:"tg"`
}

// versionObject is versionJSON as SQL over alias v, with the version's
// aliases and tags.
func versionObject(d mlflowdb.Dialect, v string) string {
	pairs := []string{
		"'w'", v + ".workspace", "'n'", v + ".name", "'v'", v + ".version",
		"'ma'", v + ".version_major", "'mi'", v + ".version_minor", "'pa'", v + ".version_patch",
		"'sk'", v + ".version_prerelease_sort_key", "'sj'", jsonText(d, v+".server_json"),
		"'dn'", v + ".display_name", "'st'", v + ".status", "'tl'", jsonText(d, v+".tools"), "'so'", v + ".source",
		"'cb'", v + ".created_by", "'lb'", v + ".last_updated_by", "'ca'", v + ".created_at", "'la'", v + ".last_updated_at",
	}
	pairs = append(pairs, "'al'", nestedJSON(d, versionAliasesSQL(d, v)), "'tg'", nestedJSON(d, versionTagsSQL(d, v)))
	return jsonObject(d, pairs...)
}

func (j *versionJSON) view() mcpregistry.VersionView {
	v := mcpregistry.Version{
		Workspace: j.Workspace, Name: j.Name, Version: j.Version, Major: j.Major, Minor: j.Minor, Patch: j.Patch,
		PrereleaseSortKey: j.SortKey, ServerJSON: json.RawMessage(j.ServerJSON), DisplayName: j.DisplayName,
		Status: mcpregistry.Status(j.Status), Source: j.Source, CreatedBy: j.CreatedBy, LastUpdatedBy: j.LastUpdatedBy,
		CreatedAt: j.CreatedAt, LastUpdatedAt: j.LastUpdatedAt,
	}
	if j.Tools != nil {
		v.Tools = json.RawMessage(*j.Tools)
	}
	return mcpregistry.VersionView{Version: v, Aliases: nonNil(j.Aliases), Tags: tags(j.Tags)}
}

type endpointJSON struct {
	ID            string      `json:"id"`
	ServerVersion *string     `json:"sv"`
	ServerAlias   *string     `json:"sa"`
	URL           string      `json:"u"`
	TransportType string      `json:"tt"`
	CreatedBy     *string     `json:"cb"`
	LastUpdatedBy *string     `json:"lb"`
	CreatedAt     int64       `json:"ca"`
	LastUpdatedAt int64       `json:"la"`
	Resolved      versionJSON `json:"rv"`
}

// endpointObject is endpointJSON as SQL over e and its resolved version rv.
func endpointObject(d mlflowdb.Dialect) string {
	return jsonObject(d, "'id'", "e.id", "'sv'", "e.server_version", "'sa'", "e.server_alias", "'u'", "e.url",
		"'tt'", "e.transport_type", "'cb'", "e.created_by", "'lb'", "e.last_updated_by",
		"'ca'", "e.created_at", "'la'", "e.last_updated_at", "'rv'", versionObject(d, "rv"))
}

func (j *endpointJSON) view(ws, server string) mcpregistry.EndpointView {
	rv := j.Resolved.view()
	return mcpregistry.EndpointView{
		Endpoint: mcpregistry.Endpoint{
			ID: j.ID, Workspace: ws, ServerName: server, ServerVersion: j.ServerVersion, ServerAlias: j.ServerAlias,
			URL: j.URL, TransportType: mcpregistry.TransportType(j.TransportType), CreatedBy: j.CreatedBy,
			LastUpdatedBy: j.LastUpdatedBy, CreatedAt: j.CreatedAt, LastUpdatedAt: j.LastUpdatedAt,
		},
		Resolved: &rv,
	}
}

// decodeJSON decodes a nested JSON column; an error means this package and
// its SQL disagree, so it is reported as such (an internal error).
func decodeJSON(raw []byte, what string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("store: decoding %s from the database: %w", what, err)
	}
	return nil
}

func tags(in []tagJSON) []mcpregistry.Tag {
	out := make([]mcpregistry.Tag, len(in))
	for i, t := range in {
		out[i] = mcpregistry.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// versionAliasesSQL and versionTagsSQL select the JSON arrays of a
// version's alias names and tags, each sorted.
func versionAliasesSQL(d mlflowdb.Dialect, v string) string {
	return "SELECT " + jsonArrayAgg(d, "a.alias", "a.alias") + " FROM mcp_server_aliases a WHERE a.workspace = " +
		v + ".workspace AND a.name = " + v + ".name AND a.version = " + v + ".version"
}

func versionTagsSQL(d mlflowdb.Dialect, v string) string {
	return "SELECT " + jsonArrayAgg(d, jsonObject(d, "'k'", `t."key"`, "'v'", "t.value"), `t."key"`) +
		" FROM mcp_server_version_tags t WHERE t.workspace = " + v + ".workspace AND t.name = " + v +
		".name AND t.version = " + v + ".version"
}
