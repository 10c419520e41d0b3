package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
)

// nativeBase is the sidecar's registry API (MLflow's path).
const nativeBase = "/api/3.0/mlflow/mcp-servers"

// searchPage is max_results of every native search: 10,000 servers make
// exactly 500 pages.
const searchPage = 20

// scenario kinds: how a scenario's sides relate.
const (
	kindRead  = iota // sides: sidecar, floor
	kindPages        // sides: sidecar page 1, sidecar page N, floor page 1, floor page N
	kindWalk         // sides: sidecar first page, sidecar walk, floor first page, floor walk
	kindWrite        // sides: sidecar, floor
)

type scenario struct {
	name  string
	kind  int
	sides []side
	// check runs before the measurement: the sidecar and the floor must
	// answer the same rows, or the comparison would be meaningless.
	check func(c *http.Client) error
	walk  walkCount // what check found walking the list (kindWalk)
	res   []loadResult
}

// floorOf is the index of the floor side measured against side i (-1 for
// a floor side).
func (s *scenario) floorOf(i int) int {
	switch {
	case s.kind == kindRead || s.kind == kindWrite:
		if i == 0 {
			return 1
		}
	case i < 2:
		return i + 2
	}
	return -1
}

// regTargets are the two servers under test and what the data set holds.
type regTargets struct {
	sidecar, floor string // base URLs
	scale          scale
}

// spread visits the servers in a scattered but repeatable order, the same
// for the sidecar and its floor.
func (t regTargets) spread() func() string {
	var k atomic.Int64
	return func() string { return seedServerName(t.scale.scatter(int(k.Add(1)) % t.scale.servers)) }
}

// each is an op factory whose requests are built from the next server in
// the spread order; all workers of a side share the order.
func (t regTargets) each(urlOf func(name string) string) func() op {
	next := t.spread()
	return func() op {
		return func(c *http.Client) (int64, error) { return send(c, http.MethodGet, urlOf(next()), nil, nil) }
	}
}

func (t regTargets) server(name string) string {
	return t.sidecar + nativeBase + "/" + url.PathEscape(name)
}

func (t regTargets) search(filter, token string) string {
	q := url.Values{"max_results": {fmt.Sprint(searchPage)}}
	if filter != "" {
		q.Set("filter_string", filter)
	}
	if token != "" {
		q.Set("page_token", token)
	}
	return t.sidecar + nativeBase + "?" + q.Encode()
}

func (t regTargets) floorSearch(kind, after string, args ...string) string {
	return t.floor + "/servers?" + url.Values{"kind": {kind}, "after": {after}, "arg": args}.Encode()
}

// rotating is an op factory that cycles through urls, shared by a side's
// workers.
func rotating(urls []string) func() op {
	var k atomic.Int64
	return func() op {
		return func(c *http.Client) (int64, error) {
			return send(c, http.MethodGet, urls[int(k.Add(1))%len(urls)], nil, nil)
		}
	}
}

func readScenarios(t regTargets) []*scenario {
	getServer := &scenario{name: "get server", kind: kindRead, sides: []side{
		{"sidecar", t.each(t.server)},
		{"floor", t.each(func(n string) string { return t.floor + "/server?name=" + url.QueryEscape(n) })},
	}}
	getServer.check = t.compare(t.server(seedServerName(0)), t.floor+"/server?name="+url.QueryEscape(seedServerName(0)), "", "name")
	getVersion := &scenario{name: "get version", kind: kindRead, sides: []side{
		{"sidecar", t.each(func(n string) string { return t.server(n) + "/versions/1.1.0" })},
		{"floor", t.each(func(n string) string { return t.floor + "/version?version=1.1.0&name=" + url.QueryEscape(n) })},
	}}
	getVersion.check = t.compare(t.server(seedServerName(1))+"/versions/1.1.0",
		t.floor+"/version?version=1.1.0&name="+url.QueryEscape(seedServerName(1)), "", "name", "version")
	latest := &scenario{name: "resolve latest", kind: kindRead, sides: []side{
		{"sidecar", t.each(func(n string) string { return t.server(n) + "/aliases/latest" })},
		{"floor", t.each(func(n string) string { return t.floor + "/latest?name=" + url.QueryEscape(n) })},
	}}
	// A server without an active version: its latest is the 2.0.0 draft.
	inactive := seedServerName(t.scale.withoutActive())
	latest.check = t.compare(t.server(inactive)+"/aliases/latest", t.floor+"/latest?name="+url.QueryEscape(inactive), "", "name", "version")

	out := []*scenario{getServer, getVersion, latest}
	searches := []struct {
		name, kind string
		filters    []string
		args       [][]string
	}{
		{name: "search name LIKE", kind: "like"},
		{name: "search tag", kind: "tag"},
		{name: "search status", kind: "status", filters: []string{"status = 'active'"}, args: [][]string{{"active"}}},
		{name: "search has_access_endpoints", kind: "endpoints", filters: []string{"has_access_endpoints = 'true'"}, args: [][]string{nil}},
	}
	for _, tp := range topics {
		searches[0].filters = append(searches[0].filters, "name LIKE '%"+tp+"%'")
		searches[0].args = append(searches[0].args, []string{"%" + tp + "%"})
	}
	for _, tm := range teams {
		searches[1].filters = append(searches[1].filters, "tags.team = '"+tm+"'")
		searches[1].args = append(searches[1].args, []string{"team", tm})
	}
	for _, s := range searches {
		var sidecarURLs, floorURLs []string
		for k, f := range s.filters {
			sidecarURLs = append(sidecarURLs, t.search(f, ""))
			floorURLs = append(floorURLs, t.floorSearch(s.kind, "", s.args[k]...))
		}
		out = append(out, &scenario{name: s.name, kind: kindRead,
			sides: []side{{"sidecar", rotating(sidecarURLs)}, {"floor", rotating(floorURLs)}},
			check: t.compare(sidecarURLs[0], floorURLs[0], "mcp_servers", "name")})
	}
	endpoints := t.sidecar + nativeBase + "/endpoints?max_results=" + fmt.Sprint(searchPage)
	floorEndpoints := t.floor + "/endpoints"
	out = append(out, &scenario{name: "search endpoints (workspace-wide)", kind: kindRead,
		sides: []side{{"sidecar", fixed(http.MethodGet, endpoints, nil)}, {"floor", fixed(http.MethodGet, floorEndpoints, nil)}},
		check: t.compare(endpoints, floorEndpoints, "mcp_access_endpoints", "id")})
	return out
}

// compare is a scenario check: both URLs answer 200 with the same keys
// (fields of the object, or of every object in the list).
func (t regTargets) compare(sidecarURL, floorURL, list string, fields ...string) func(*http.Client) error {
	return t.compareKeys(sidecarURL, floorURL, func(body []byte) ([]string, error) { return jsonKeys(body, list, fields...) },
		func(body []byte) ([]string, error) { return jsonKeys(body, list, fields...) })
}

func (t regTargets) compareKeys(sidecarURL, floorURL string, sidecarKeys, floorKeys func([]byte) ([]string, error)) func(*http.Client) error {
	return func(c *http.Client) error {
		var got [2][]string
		for k, u := range []string{sidecarURL, floorURL} {
			var body bytes.Buffer
			if _, err := send(c, http.MethodGet, u, nil, &body); err != nil {
				return err
			}
			keys := []func([]byte) ([]string, error){sidecarKeys, floorKeys}[k]
			var err error
			if got[k], err = keys(body.Bytes()); err != nil {
				return fmt.Errorf("GET %s: %w", u, err)
			}
		}
		if len(got[0]) == 0 || !slices.Equal(got[0], got[1]) {
			return fmt.Errorf("the sidecar answered %v, the floor %v (%s vs %s)", got[0], got[1], sidecarURL, floorURL)
		}
		return nil
	}
}

// jsonKeys extracts the dotted fields of the object in body, or of every
// object in its list member, joined by "@" per object.
func jsonKeys(body []byte, list string, fields ...string) ([]string, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	items := []any{doc}
	if list != "" {
		l, ok := lookup(doc, list).([]any)
		if !ok {
			return nil, fmt.Errorf("no list %q in the answer", list)
		}
		items = l
	}
	var keys []string
	for _, it := range items {
		var parts []string
		for _, f := range fields {
			s, ok := lookup(it, f).(string)
			if !ok {
				return nil, fmt.Errorf("no string %q in %v", f, it)
			}
			parts = append(parts, s)
		}
		keys = append(keys, strings.Join(parts, "@"))
	}
	return keys, nil
}

func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
