package main

import (
	"fmt"
	"strings"
)

// The registry data set: what a platform team's registry might hold after
// a year. Every server is described by a serverPlan, which both the bulk
// seed (regseed.go) and the seed's test (which replays it through the
// registry service) read, so that the seeded rows are the rows the registry
// itself writes.

var (
	topics = []string{"weather", "github", "postgres", "slack", "jira", "search", "files", "browser", "calendar", "email",
		"maps", "notion", "sentry", "stripe", "kubernetes", "docker", "aws", "gcp", "vault", "kafka"}
	teams   = []string{"platform", "ml", "search", "data", "infra", "security", "growth", "payments", "support", "research"}
	regions = []string{"us-east", "us-west", "eu-west", "eu-central", "ap-south"}
	// planVersions are every server's versions, oldest first.
	planVersions = []string{"0.1.0", "0.2.0", "0.3.0", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.2.0", "2.0.0-beta.1", "2.0.0"}
)

const (
	// schemaURL makes the sidecar check every document against the newest
	// official server.json schema, as mcp-publisher's documents declare it.
	schemaURL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
	// endpointsPerServer: servers with endpoints have this many (regions ×
	// targets); the others have none, so has_access_endpoints selects.
	endpointsPerServer = 10
	seedStart          = int64(1_750_000_000_000) // epoch ms of the first server
)

// scale is the size of the data set.
type scale struct {
	servers   int // each with len(planVersions) versions
	endpoints int // spread over the first servers of every stride
}

type serverPlan struct {
	name        string
	description *string // set by PATCH after the first registration
	displayName *string // likewise
	tags        [][2]string
	versions    []versionPlan
	aliases     [][2]string // alias, version
	endpoints   []endpointPlan
	createdAt   int64
}

type versionPlan struct {
	version     string
	serverJSON  string // as a client sends it
	tools       string // "" for none
	status      string // the status it ends in: draft, active, deprecated or deleted
	displayName *string
	source      *string
}

type endpointPlan struct {
	url, transport string
	version, alias *string
}

func seedServerName(i int) string {
	return fmt.Sprintf("io.github.org%02d/%s-mcp-%05d", i%50, topics[i%len(topics)], i)
}

func ptr[T any](v T) *T { return &v }

// plan describes server i. Statuses: the 0.x and 1.0.x versions are
// deprecated (1.0.1 deleted on a thirteenth of the servers), 1.1.0
// deprecated, 1.2.0 active (deprecated on a seventh, whose latest is then
// the 2.0.0 draft), the 2.0.0 pre-release and release drafts. Aliases:
// prod -> 1.1.0 everywhere, staging -> 2.0.0-beta.1 on half the servers.
// Features hang on mix(i), not on i: names sort by organisation (i%50)
// first, so a feature keyed on i%2 would be on every server of some pages
// and on none of others, and page 500 would not be like page 1.
func (s scale) plan(i int) serverPlan {
	name, f := seedServerName(i), mix(i)
	org, topic := fmt.Sprintf("org%02d", i%50), topics[i%len(topics)]
	p := serverPlan{name: name, createdAt: seedStart + int64(i)*60_000}
	if f%2 == 0 {
		p.description = ptr(fmt.Sprintf("%s tools for %s agents, maintained by %s", title(topic), org, teams[i%len(teams)]))
	}
	if f%4 == 0 {
		p.displayName = ptr(fmt.Sprintf("%s (%s)", title(topic), org))
	}
	if f%3 != 0 {
		p.tags = append(p.tags, [2]string{"team", teams[i%len(teams)]})
	}
	if f%5 == 0 {
		p.tags = append(p.tags, [2]string{"tier", "gold"})
	}
	for j, v := range planVersions {
		vp := versionPlan{version: v, serverJSON: serverDoc(i, v), status: "deprecated"}
		switch {
		case j == 5 && f%13 == 0:
			vp.status = "deleted"
		case j == 7 && f%7 != 0:
			vp.status = "active"
		case j >= 8:
			vp.status = "draft"
		}
		if j == 7 || j == 9 {
			vp.tools = toolsDoc(topic)
			vp.displayName = ptr(fmt.Sprintf("%s MCP %s", title(topic), v))
		}
		if j >= 4 {
			vp.source = ptr(fmt.Sprintf("https://github.com/%s/%s-mcp/tree/v%s", org, topic, v))
		}
		p.versions = append(p.versions, vp)
	}
	p.aliases = append(p.aliases, [2]string{"prod", "1.1.0"})
	if f%2 == 1 {
		p.aliases = append(p.aliases, [2]string{"staging", "2.0.0-beta.1"})
	}
	for k := range s.endpointCount(i) {
		e := endpointPlan{url: fmt.Sprintf("https://%s.mcp.example.com/%s/%d", regions[k%len(regions)], name, k), transport: "streamable-http"}
		if k%2 == 1 {
			e.transport = "sse"
		}
		switch k % 3 {
		case 0:
			e.alias = ptr("latest")
		case 1:
			e.alias = ptr("prod")
		default:
			e.version = ptr("1.2.0")
		}
		p.endpoints = append(p.endpoints, e)
	}
	return p
}

// endpointCount spreads s.endpoints over servers, endpointsPerServer each
// (more when there are too few servers). The holders are the servers whose
// rank in a scattered permutation comes first, so that every page of the
// name order holds about the same share of them.
func (s scale) endpointCount(i int) int {
	if s.endpoints <= 0 {
		return 0
	}
	per := endpointsPerServer
	holders := (s.endpoints + per - 1) / per
	if holders > s.servers {
		holders = s.servers
		per = (s.endpoints + holders - 1) / holders
	}
	rank := s.scatter(i)
	if rank >= holders {
		return 0
	}
	return max(0, min(per, s.endpoints-rank*per))
}

// scatter is a permutation of 0..servers-1: multiplying by a prime that
// does not divide the count is a bijection modulo the count.
func (s scale) scatter(i int) int {
	for _, p := range []int{7919, 7907, 7901} {
		if s.servers%p != 0 {
			return i * p % s.servers
		}
	}
	return i
}

// withoutActive is the first server without an active version (0 if the
// data set is too small to have one).
func (s scale) withoutActive() int {
	for i := range s.servers {
		if mix(i)%7 == 0 {
			return i
		}
	}
	return 0
}

// mix is splitmix64's finaliser: consecutive i give unrelated values.
func mix(i int) uint64 {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// serverDoc is a server.json as mcp-publisher sends it: a package, a
// remote, the repository, and the official schema it declares.
func serverDoc(i int, version string) string {
	org, topic := fmt.Sprintf("org%02d", i%50), topics[i%len(topics)]
	return fmt.Sprintf(`{"$schema":%q,"name":%q,"version":%q,"title":"%s MCP","description":"%s tools for agents (%s)",`+
		`"repository":{"url":"https://github.com/%s/%s-mcp","source":"github"},"websiteUrl":"https://%s.example.com/%s",`+
		`"packages":[{"registryType":"npm","registryBaseUrl":"https://registry.npmjs.org","identifier":"@%s/%s-mcp","version":%q,`+
		`"transport":{"type":"stdio"},"environmentVariables":[{"name":"%s_API_KEY","description":"API key for %s","isRequired":true,"isSecret":true}]}],`+
		`"remotes":[{"type":"streamable-http","url":"https://%s.%s.example.com/mcp"}]}`,
		schemaURL, seedServerName(i), version, title(topic), title(topic), org,
		org, topic, org, topic,
		org, topic, version,
		strings.ToUpper(topic), topic,
		topic, org)
}

// toolsDoc is the tool list a discovery run records: three tools with input
// schemas and annotations.
func toolsDoc(topic string) string {
	var b strings.Builder
	b.WriteByte('[')
	for k, verb := range []string{"search", "get", "create"} {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"%s_%s","title":"%s %s","description":"%s a %s item by query",`+
			`"inputSchema":{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer","minimum":1}},"required":["query"]},`+
			`"annotations":{"readOnlyHint":%t}}`, verb, topic, title(verb), topic, title(verb), topic, verb != "create")
	}
	b.WriteByte(']')
	return b.String()
}
