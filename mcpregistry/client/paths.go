package client

import (
	"net/url"
	"strconv"
	"strings"
)

// Route prefixes, after the tracking URI's static prefix. The client uses
// the /api mount; the registry is mounted under /ajax-api as well.
const (
	registryPrefix = "/api/3.0/mlflow/mcp-servers"
	tracesPrefix   = "/api/3.0/mlflow/traces"
)

// seg percent-encodes one path segment exactly as Python's
// urllib.parse.quote(value, safe="") does, which MLflow's REST client uses:
// everything but ASCII letters, digits and "_.-~" is escaped, so a server
// name's "/" travels as %2F.
func seg(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// path joins the registry prefix with encoded segments.
func path(prefix string, segments ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

func serverPath(name string, rest ...string) string {
	return path(registryPrefix, append([]string{seg(name)}, rest...)...)
}

func versionPath(name, version string, rest ...string) string {
	return serverPath(name, append([]string{"versions", seg(version)}, rest...)...)
}

// Search is the query of a search route.
type Search struct {
	// Filter is MLflow's filter_string, e.g. "status = 'active'" or
	// "tags.team = 'search'" ("" for none).
	Filter string
	// OrderBy holds order_by clauses such as "name ASC" or "`version` DESC".
	OrderBy []string
	// MaxResults is the page size (0: the server's default of 100).
	MaxResults int
	// PageToken continues a search from a previous page's next_page_token.
	PageToken string
}

func (s Search) values() url.Values {
	q := url.Values{}
	if s.Filter != "" {
		q.Set("filter_string", s.Filter)
	}
	for _, o := range s.OrderBy {
		q.Add("order_by", o)
	}
	if s.MaxResults != 0 {
		q.Set("max_results", strconv.Itoa(s.MaxResults))
	}
	if s.PageToken != "" {
		q.Set("page_token", s.PageToken)
	}
	return q
}
