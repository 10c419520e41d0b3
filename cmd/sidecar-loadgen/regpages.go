package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
)

// pageScenario compares the last page of the unfiltered server search
// (page 500 of 10,000 servers) with the first. The page tokens come from
// walking every page once, as a client would.
func pageScenario(c *http.Client, t regTargets) (*scenario, error) {
	var body bytes.Buffer
	token, n := "", 1
	for {
		if _, err := send(c, http.MethodGet, t.search("", token), nil, &body); err != nil {
			return nil, err
		}
		var p struct {
			Next *string `json:"next_page_token"`
		}
		if err := json.Unmarshal(body.Bytes(), &p); err != nil {
			return nil, err
		}
		if p.Next == nil {
			break
		}
		token, n = *p.Next, n+1
	}
	after := ""
	for range n - 1 {
		if _, err := send(c, http.MethodGet, t.floorSearch("all", after), nil, &body); err != nil {
			return nil, err
		}
		var p struct {
			Next *struct{ Name string } `json:"next"`
		}
		if err := json.Unmarshal(body.Bytes(), &p); err != nil || p.Next == nil {
			return nil, fmt.Errorf("the floor's server list ended before page %d (%v)", n, err)
		}
		after = p.Next.Name
	}
	last, floorLast := t.search("", token), t.floorSearch("all", after)
	return &scenario{
		name: fmt.Sprintf("search servers, page 1 vs page %d", n), kind: kindPages,
		sides: []side{
			{"sidecar page 1", fixed(http.MethodGet, t.search("", ""), nil)},
			{fmt.Sprintf("sidecar page %d", n), fixed(http.MethodGet, last, nil)},
			{"floor page 1", fixed(http.MethodGet, t.floorSearch("all", ""), nil)},
			{fmt.Sprintf("floor page %d", n), fixed(http.MethodGet, floorLast, nil)},
		},
		check: t.compare(last, floorLast, "mcp_servers", "name"),
	}, nil
}

// walkScenario is GET /v0.1/servers?limit=100 (with search= when set): the
// first page against every page in turn, each worker walking the whole
// list and starting over, on the sidecar and on its floor.
func walkScenario(t regTargets, search string) *scenario {
	sidecarURL := func(cursor string) string {
		q := url.Values{"limit": {"100"}}
		if search != "" {
			q.Set("search", search)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		return t.sidecar + "/v0.1/servers?" + q.Encode()
	}
	sidecarNext := func(body []byte) (string, error) {
		var p struct {
			Metadata struct {
				NextCursor string `json:"nextCursor"`
			} `json:"metadata"`
		}
		err := json.Unmarshal(body, &p)
		return p.Metadata.NextCursor, err
	}
	// The floor's cursor is the query string of the position after which
	// the next page starts.
	floorURL := func(cursor string) string { return t.floor + "/published?search=" + url.QueryEscape(search) + cursor }
	floorNext := func(body []byte) (string, error) {
		var p struct {
			Next *struct{ Name, Version string } `json:"next"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Next == nil {
			return "", err
		}
		return "&" + url.Values{"after_name": {p.Next.Name}, "after_version": {p.Next.Version}}.Encode(), nil
	}
	name := "GET /v0.1/servers?limit=100, first page vs walking all pages"
	if search != "" {
		name = fmt.Sprintf("GET /v0.1/servers?limit=100&search=%s, first page vs walking all pages", search)
	}
	var s *scenario
	s = &scenario{
		name: name, kind: kindWalk,
		sides: []side{
			{"sidecar first page", fixed(http.MethodGet, sidecarURL(""), nil)},
			{"sidecar every page", walking(sidecarURL, sidecarNext)},
			{"floor first page", fixed(http.MethodGet, floorURL(""), nil)},
			{"floor every page", walking(floorURL, floorNext)},
		},
		check: func(c *http.Client) error {
			sc, err := walkAll(c, sidecarURL, sidecarNext, "servers", "server.name", "server.version")
			if err != nil {
				return err
			}
			fl, err := walkAll(c, floorURL, floorNext, "servers", "name", "version")
			if err != nil {
				return err
			}
			if sc != fl || sc.entries == 0 {
				return fmt.Errorf("walking the list: the sidecar gave %+v, the floor %+v", sc, fl)
			}
			s.walk = sc
			return nil
		},
	}
	return s
}

// walking is an op factory whose ops each fetch the worker's next page and
// start over after the last.
func walking(urlOf func(cursor string) string, nextOf func(body []byte) (string, error)) func() op {
	return func() op {
		cursor := ""
		var body bytes.Buffer
		return func(c *http.Client) (int64, error) {
			n, err := send(c, http.MethodGet, urlOf(cursor), nil, &body)
			if err != nil {
				cursor = ""
				return n, err
			}
			cursor, err = nextOf(body.Bytes())
			return n, err
		}
	}
}

type walkCount struct{ pages, entries int }

// walkAll walks a list once, counting pages and entries; an entry listed
// twice is an error.
func walkAll(c *http.Client, urlOf func(string) string, nextOf func([]byte) (string, error), list string, fields ...string) (walkCount, error) {
	var n walkCount
	var body bytes.Buffer
	cursor, seen := "", map[string]bool{}
	for {
		if _, err := send(c, http.MethodGet, urlOf(cursor), nil, &body); err != nil {
			return n, err
		}
		keys, err := jsonKeys(body.Bytes(), list, fields...)
		if err != nil {
			return n, err
		}
		for _, k := range keys {
			if seen[k] {
				return n, fmt.Errorf("page %d: %q listed again", n.pages+1, k)
			}
			seen[k] = true
		}
		n.pages++
		n.entries += len(keys)
		if cursor, err = nextOf(body.Bytes()); err != nil || cursor == "" {
			return n, err
		}
	}
}

// registerScenario registers new versions (drafts, the default) of the
// seeded servers through POST /{name}/versions, against the floor of a
// registration: the row inserted by one statement. Each request registers
// a version no request has registered before.
func registerScenario(t regTargets) *scenario {
	var k atomic.Int64
	post := func(urlOf func(name string) string, major int) func() op {
		return func() op {
			return func(c *http.Client) (int64, error) {
				i := int(k.Add(1))
				server := i % t.scale.servers
				body := fmt.Appendf(nil, `{"server_json":%s}`, serverDoc(server, fmt.Sprintf("%d.0.%d", major, i)))
				return send(c, http.MethodPost, urlOf(seedServerName(server)), body, nil)
			}
		}
	}
	sc := post(func(name string) string { return t.server(name) + "/versions" }, 3)
	fl := post(func(string) string { return t.floor + "/versions" }, 4)
	return &scenario{
		name: "register a version (POST /{name}/versions)", kind: kindWrite,
		sides: []side{{"sidecar", sc}, {"floor", fl}},
		check: func(c *http.Client) error {
			if _, err := sc()(c); err != nil {
				return err
			}
			_, err := fl()(c)
			return err
		},
	}
}
