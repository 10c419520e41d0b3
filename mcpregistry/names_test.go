package mcpregistry

import (
	"regexp"
	"strings"
	"testing"
)

// serverNameTests holds MLflow's documented examples (§8.1) and edge cases.
// It also seeds FuzzValidateServerName.
var serverNameTests = []struct {
	name  string
	valid bool
}{
	// Accepted examples from MLflow's tests.
	{"com/server-name", true},
	{"io.github.TestOrg/server-name", true},
	{"io.github.test/server_name", true},
	// Rejected examples from MLflow's tests.
	{"my-server", false},
	{"com.example/a", false},
	{"com.example/_server", false},
	{"com.example/server-", false},
	// '/' count.
	{"com.example/server/extra", false},
	{"com.example//server", false},
	{"/server", false},
	{"com.example/", false},
	{"/", false},
	// Two-character minimum on both sides; one character fails.
	{"c/server", false},
	{"co/ab", true},
	{"00/00", true},
	// '_' is a slug character only, and never at an end.
	{"com_example/server", false},
	{"com.example/a_b", true},
	{"com.example/server_", false},
	// '.' and '..' are allowed inside, never at an end.
	{"com..example/server", true},
	{"com.example/a..b", true},
	{"com.example/..", false},
	{"com.example./server", false},
	{".com/server", false},
	{"com.example/server.", false},
	{"com.example/.server", false},
	// '-' likewise.
	{"-com/server", false},
	{"com-/server", false},
	{"c-m/s-r", true},
	// Reserved slugs are case-sensitive.
	{"com.example/versions", false},
	{"com.example/aliases", false},
	{"com.example/endpoints", false},
	{"com.example/tags", false},
	{"com.example/Versions", true},
	{"com.example/bindings", true},
	{"versions/server", true},
	// ASCII only; whitespace and control characters are not allowed.
	{"com.exämple/server", false},
	{"com.example/sérver", false},
	{"com.example/ѕerver", false}, // Cyrillic dze
	{"com.example/server\n", false},
	{" com.example/server", false},
	{"com.example/ser ver", false},
	{"com.example/ser\x00ver", false},
	{"com.example/\xff\xfe", false},
	{"com.example/" + strings.Repeat("a", 1000), true}, // no length limit here
}

func TestValidateServerName(t *testing.T) {
	for _, tt := range serverNameTests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateServerName(tt.name)
			if tt.valid {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantInvalid(t, err, "Invalid MCP server name. Expected '<reverse-dns namespace>/<server slug>' such as 'com.example/server-name'.")
		})
		if got := referenceServerNameValid(tt.name); got != tt.valid {
			t.Errorf("%q: reference says valid=%v, table says %v", tt.name, got, tt.valid)
		}
	}
}

func TestValidateServerNameEmpty(t *testing.T) {
	wantInvalid(t, ValidateServerName(""), "MCP server name must not be empty")
}

// MLflow's patterns, as the oracle for the hand-written checks.
var (
	referenceNamespace = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$`)
	referenceSlug      = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$`)
)

func referenceServerNameValid(name string) bool {
	parts := strings.Split(name, "/")
	if len(parts) != 2 {
		return false
	}
	switch parts[1] {
	case "aliases", "endpoints", "tags", "versions":
		return false
	}
	return referenceNamespace.MatchString(parts[0]) && referenceSlug.MatchString(parts[1])
}

func BenchmarkValidateServerName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ValidateServerName("io.github.example-org/weather-server_v2")
	}
}
