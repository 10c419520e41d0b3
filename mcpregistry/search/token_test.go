package search_test

import (
	"encoding/base64"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/search"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func mustFilter(t testing.TB, r search.Resource, f string) []search.Clause {
	t.Helper()
	cs, err := search.ParseFilter(r, f, checkVersion)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func mustOrder(t testing.TB, r search.Resource, o ...string) []search.OrderTerm {
	t.Helper()
	terms, err := search.ParseOrderBy(r, o)
	if err != nil {
		t.Fatal(err)
	}
	return terms
}

func mustEncode(t testing.TB, fp search.Fingerprint, pos []search.Value) string {
	t.Helper()
	tok, err := search.EncodeToken(fp, pos)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestTokenRoundTrip(t *testing.T) {
	s, i, null := search.StringValue, search.IntValue, search.NullValue
	cases := []struct {
		name string
		fp   search.Fingerprint
		pos  []search.Value
	}{
		{"servers", search.Fingerprint{Resource: search.Servers, Workspace: "default",
			Filter: mustFilter(t, search.Servers, "tags.team = 'ml' AND status IN ('active')"),
			Order:  mustOrder(t, search.Servers, "created_at DESC")},
			[]search.Value{i(1700000000000), s("io.github.a/b")}},
		{"versions by semver", search.Fingerprint{Resource: search.Versions, Workspace: "ws", Scope: "com.example/srv",
			Filter: mustFilter(t, search.Versions, "version >= '1.0.0-alpha'"),
			Order:  mustOrder(t, search.Versions, "`version` DESC")},
			[]search.Value{i(1), i(0), i(0), s("1097108112104097000"), i(-1), s("1.0.0-alpha+build.7")}},
		{"endpoints with params", search.Fingerprint{Resource: search.Endpoints, Workspace: "default",
			Order:  mustOrder(t, search.Endpoints),
			Params: map[string]string{"server_version": "1.0.0"}},
			[]search.Value{s("ae-0123456789abcdef0123456789abcdef")}},
		{"nulls and extremes", search.Fingerprint{Resource: search.Endpoints,
			Order: mustOrder(t, search.Endpoints, "server_name DESC", "created_at", "last_updated_at DESC")},
			[]search.Value{null(search.KindString), i(math.MinInt64), i(math.MaxInt64), s("")}},
		{"long unicode string", search.Fingerprint{Resource: search.Servers, Order: mustOrder(t, search.Servers)},
			[]search.Value{s(strings.Repeat("名前/", 150))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustEncode(t, tc.fp, tc.pos)
			if !urlSafe.MatchString(tok) {
				t.Fatalf("token %q is not URL-safe", tok)
			}
			got, err := search.DecodeToken(tok, tc.fp)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !slices.Equal(got, tc.pos) {
				t.Fatalf("got %+v, want %+v", got, tc.pos)
			}
		})
	}
}

func TestDecodeEmptyTokenIsFirstPage(t *testing.T) {
	pos, err := search.DecodeToken("", search.Fingerprint{Resource: search.Servers})
	if pos != nil || err != nil {
		t.Fatalf("got %v, %v", pos, err)
	}
}

// TestTokenFingerprint: a token decodes only under the query it was made
// for; each field of the fingerprint counts, and parsing normalises filters.
func TestTokenFingerprint(t *testing.T) {
	base := func() search.Fingerprint {
		return search.Fingerprint{Resource: search.Endpoints, Workspace: "default", Scope: "com.example/srv",
			Filter: mustFilter(t, search.Endpoints, "status = 'active' AND created_at > 5"),
			Order:  mustOrder(t, search.Endpoints, "created_at DESC"),
			Params: map[string]string{"server_alias": "prod"}}
	}
	tok := mustEncode(t, base(), []search.Value{search.IntValue(7), search.StringValue("ae-1")})

	same := base()
	same.Filter = mustFilter(t, search.Endpoints, "  status='active'   and created_at>5 AND")
	if _, err := search.DecodeToken(tok, same); err != nil {
		t.Fatalf("an equivalent filter must keep the token valid: %v", err)
	}

	variants := map[string]func(*search.Fingerprint){
		"resource":  func(fp *search.Fingerprint) { fp.Resource = search.Servers },
		"workspace": func(fp *search.Fingerprint) { fp.Workspace = "other" },
		"scope":     func(fp *search.Fingerprint) { fp.Scope = "" },
		"filter value": func(fp *search.Fingerprint) {
			fp.Filter = mustFilter(t, search.Endpoints, "status = 'draft' AND created_at > 5")
		},
		"filter operator": func(fp *search.Fingerprint) {
			fp.Filter = mustFilter(t, search.Endpoints, "status != 'active' AND created_at > 5")
		},
		"filter key": func(fp *search.Fingerprint) {
			fp.Filter = mustFilter(t, search.Endpoints, "status = 'active' AND last_updated_at > 5")
		},
		"filter value type": func(fp *search.Fingerprint) {
			fp.Filter = mustFilter(t, search.Endpoints, "status = 'active' AND created_at > 5.0")
		},
		"clause order": func(fp *search.Fingerprint) {
			fp.Filter = mustFilter(t, search.Endpoints, "created_at > 5 AND status = 'active'")
		},
		"no filter":       func(fp *search.Fingerprint) { fp.Filter = nil },
		"order direction": func(fp *search.Fingerprint) { fp.Order = mustOrder(t, search.Endpoints, "created_at ASC") },
		"order key":       func(fp *search.Fingerprint) { fp.Order = mustOrder(t, search.Endpoints, "last_updated_at DESC") },
		"param value":     func(fp *search.Fingerprint) { fp.Params["server_alias"] = "staging" },
		"param empty":     func(fp *search.Fingerprint) { fp.Params["server_alias"] = "" },
		"param absent":    func(fp *search.Fingerprint) { fp.Params = nil },
		"param renamed":   func(fp *search.Fingerprint) { fp.Params = map[string]string{"server_version": "prod"} },
		"param added":     func(fp *search.Fingerprint) { fp.Params["server_version"] = "1.0.0" },
	}
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			fp := base()
			change(&fp)
			_, err := search.DecodeToken(tok, fp)
			assertTokenError(t, err, "Invalid page token, it belongs to a different query: "+
				"filter_string, order_by and the searched scope must stay the same across pages")
		})
	}
}

// TestTokenTampering: any changed byte, any truncation, any extension fails.
func TestTokenTampering(t *testing.T) {
	fp := search.Fingerprint{Resource: search.Servers, Workspace: "default", Order: mustOrder(t, search.Servers, "created_at")}
	tok := mustEncode(t, fp, []search.Value{search.IntValue(42), search.StringValue("io.github.a/b")})
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			mutated := slices.Clone(raw)
			mutated[i] ^= bit
			_, err := search.DecodeToken(base64.RawURLEncoding.EncodeToString(mutated), fp)
			assertTokenError(t, err, "")
		}
	}
	for n := 1; n < len(tok); n++ {
		_, err := search.DecodeToken(tok[:n], fp)
		assertTokenError(t, err, "")
	}
	for _, extra := range []string{"A", "AA", "AAAA", "=", "=="} {
		_, err := search.DecodeToken(tok+extra, fp)
		assertTokenError(t, err, "")
	}
}

func TestTokenGarbage(t *testing.T) {
	fp := search.Fingerprint{Resource: search.Servers, Order: mustOrder(t, search.Servers)}
	valid := mustEncode(t, fp, []search.Value{search.StringValue("a/b")})
	raw, _ := base64.RawURLEncoding.DecodeString(valid)
	raw[0] = 2
	cases := map[string]struct{ token, message string }{
		"MLflow offset token":     {"eyJvZmZzZXQiOiAxMDB9", ""},
		"not base64":              {"not a token!", "Invalid page token, could not decode"},
		"standard alphabet":       {strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/", "Invalid page token, could not decode"},
		"padded":                  {valid + strings.Repeat("=", (4-len(valid)%4)%4+4), "Invalid page token, could not decode"},
		"too short":               {"AQ", "Invalid page token, unknown format"},
		"other format version":    {base64.RawURLEncoding.EncodeToString(raw), "Invalid page token, unknown format"},
		"too long":                {strings.Repeat("A", 4097), "Invalid page token, too long"},
		"SQL":                     {"1; DROP TABLE mcp_servers", "Invalid page token, could not decode"},
		"NUL":                     {"\x00", "Invalid page token, could not decode"},
		"whitespace around token": {" " + valid, "Invalid page token, could not decode"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := search.DecodeToken(tc.token, fp)
			assertTokenError(t, err, tc.message)
		})
	}
}

func assertTokenError(t *testing.T, err error, message string) {
	t.Helper()
	if err == nil {
		t.Fatal("token accepted")
	}
	if !errors.Is(err, mlflowerr.ErrInvalid) || !strings.HasPrefix(err.Error(), "Invalid page token") {
		t.Fatalf("want an Invalid page token error, got %v", err)
	}
	if message != "" && err.Error() != message {
		t.Fatalf("message %q, want %q", err.Error(), message)
	}
}

// TestEncodeTokenShape: a position that does not fit the order is the
// caller's bug, reported as a plain error, never as a client error.
func TestEncodeTokenShape(t *testing.T) {
	fp := search.Fingerprint{Resource: search.Versions, Order: mustOrder(t, search.Versions, "version")}
	cases := map[string][]search.Value{
		"empty":   nil,
		"too few": {search.IntValue(1), search.IntValue(0), search.IntValue(0), search.StringValue("2")},
		"wrong kind": {search.IntValue(1), search.IntValue(0), search.StringValue("0"), search.StringValue("2"),
			search.IntValue(5), search.StringValue("1.0.0")},
		"too many": {search.IntValue(1), search.IntValue(0), search.IntValue(0), search.StringValue("2"),
			search.IntValue(5), search.StringValue("1.0.0"), search.IntValue(9)},
	}
	for name, pos := range cases {
		t.Run(name, func(t *testing.T) {
			tok, err := search.EncodeToken(fp, pos)
			if err == nil || tok != "" || errors.Is(err, mlflowerr.ErrInvalid) {
				t.Fatalf("got %q, %v", tok, err)
			}
		})
	}
}
