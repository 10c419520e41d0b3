package mcpregistry

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// CheckEndpointURL validates an access endpoint URL. MLflow only requires a
// non-blank string; the sidecar is stricter on purpose, because these URLs end
// up as links in UIs and in MCP client configurations: absolute http or https,
// a host, no credentials, at most 2048 characters (the column width).
func CheckEndpointURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return mlflowerr.Invalid("MCP access endpoint url cannot be empty or just whitespace: %s", pyRepr(u))
	}
	if n := utf8.RuneCountInString(u); n > maxURLLen {
		return mlflowerr.Invalid("Invalid MCP access endpoint url: it must be at most %d characters long, got %d", maxURLLen, n)
	}
	p, err := url.Parse(u)
	if err != nil {
		return mlflowerr.Invalid("Invalid MCP access endpoint url '%s': it is not a valid URL", u)
	}
	if scheme := strings.ToLower(p.Scheme); scheme != "http" && scheme != "https" {
		return mlflowerr.Invalid("Invalid MCP access endpoint url '%s': it must be an absolute http or https URL", u)
	}
	if p.User != nil {
		return mlflowerr.Invalid("Invalid MCP access endpoint url: it must not include credentials")
	}
	if p.Hostname() == "" {
		return mlflowerr.Invalid("Invalid MCP access endpoint url '%s': it must include a host", u)
	}
	if strings.ContainsAny(u, " \t\r\n") {
		return mlflowerr.Invalid("Invalid MCP access endpoint url '%s': it must not contain whitespace", u)
	}
	return nil
}

// pyRepr renders s as Python's repr() of a str does for the usual cases, to
// keep MLflow's message text.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	out := r.Replace(s)
	if q == "'" {
		out = strings.ReplaceAll(out, "'", `\'`)
	}
	return q + out + q
}
