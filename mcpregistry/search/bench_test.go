package search_test

import (
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
)

func benchFilter(b *testing.B, r search.Resource, filter string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(filter)))
	for b.Loop() {
		if _, err := search.ParseFilter(r, filter, checkVersion); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilterTypical(b *testing.B) {
	benchFilter(b, search.Servers, "name LIKE 'io.github.%' AND status IN ('active', 'deprecated') AND tags.team = 'ml'")
}

func BenchmarkParseFilterVersionRange(b *testing.B) {
	benchFilter(b, search.Versions, "version >= '1.0.0-rc.1' AND version < '2.0.0' AND created_at > 1700000000000")
}

func BenchmarkParseFilterMaxClauses(b *testing.B) {
	benchFilter(b, search.Servers, strings.TrimSuffix(strings.Repeat("tags.k = 'v' AND ", search.MaxClauses), " AND "))
}

// BenchmarkParseFilterHostile is the worst accepted size, all of it noise.
func BenchmarkParseFilterHostile(b *testing.B) {
	filter := strings.Repeat("AND ", search.MaxFilterBytes/4)
	benchFilter(b, search.Servers, filter)
}

func BenchmarkParseOrderBy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := search.ParseOrderBy(search.Versions, []string{"`version` DESC", "last_updated_at"}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFingerprint(b *testing.B) (search.Fingerprint, []search.Value) {
	fp := search.Fingerprint{Resource: search.Servers, Workspace: "default",
		Filter: mustFilter(b, search.Servers, "name LIKE 'io.github.%' AND status IN ('active', 'deprecated')"),
		Order:  mustOrder(b, search.Servers, "created_at DESC")}
	return fp, []search.Value{search.IntValue(1700000000000), search.StringValue("io.github.example/server-name")}
}

func BenchmarkEncodeToken(b *testing.B) {
	fp, pos := benchFingerprint(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := search.EncodeToken(fp, pos); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeToken(b *testing.B) {
	fp, pos := benchFingerprint(b)
	tok := mustEncode(b, fp, pos)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := search.DecodeToken(tok, fp); err != nil {
			b.Fatal(err)
		}
	}
}
