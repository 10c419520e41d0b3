package mcpregistry

import (
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// invalidServerNameMessage is MLflow's single message for every malformed
// name, whatever the cause.
const invalidServerNameMessage = "Invalid MCP server name. Expected " +
	"'<reverse-dns namespace>/<server slug>' such as 'com.example/server-name'."

// reservedSlugs are the path segments that follow a server name in the REST
// routes (/{name}/versions, ...). A server named like one would make those
// routes ambiguous. The check is case-sensitive, as in MLflow.
var reservedSlugs = map[string]bool{
	"aliases":   true,
	"endpoints": true,
	"tags":      true,
	"versions":  true,
}

// ValidateServerName checks MLflow's reverse-DNS server name format,
// "<namespace>/<slug>":
//
//   - exactly one '/';
//   - namespace: ASCII letters, digits, '.' and '-', at least 2 characters,
//     starting and ending with a letter or digit (no '_');
//   - slug: the same plus '_', also at least 2 characters, and not one of
//     aliases, endpoints, tags, versions.
//
// There is no length limit here; the database column holds 256 characters.
func ValidateServerName(name string) error {
	if name == "" {
		return mlflowerr.Invalid("MCP server name must not be empty")
	}
	namespace, slug, found := strings.Cut(name, "/")
	if !found || strings.Contains(slug, "/") || reservedSlugs[slug] ||
		!validNamePart(namespace, false) || !validNamePart(slug, true) {
		return mlflowerr.Invalid(invalidServerNameMessage)
	}
	return nil
}

// validNamePart matches ^[A-Za-z0-9][A-Za-z0-9.<_>-]*[A-Za-z0-9]$, where '_'
// is allowed only when underscore is set.
func validNamePart(s string, underscore bool) bool {
	if len(s) < 2 || !isASCIIAlnum(s[0]) || !isASCIIAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if !isASCIIAlnum(c) && c != '.' && c != '-' && (c != '_' || !underscore) {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool { return isDigit(c) || isASCIILetter(c) }
