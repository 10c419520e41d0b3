package mcpregistry

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// sortKeyVector is one row of testdata/semver-sort-keys.tsv, produced by
// running MLflow's own semver_utils.py.
type sortKeyVector struct {
	input                   string
	length                  int
	valid                   bool
	major, minor, patch     int32
	sortKey, build          string
	errorCode, errorMessage string
}

// vectorCount is the row count of the copied file, so that a truncated or
// misparsed fixture fails instead of silently testing less.
const vectorCount = 76

func loadSortKeyVectors(tb testing.TB) []sortKeyVector {
	tb.Helper()
	f, err := os.Open("testdata/semver-sort-keys.tsv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []sortKeyVector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 11 {
			tb.Fatalf("line %d: %d columns, want 11", line+1, len(cols))
		}
		v := sortKeyVector{valid: cols[2] == "true", sortKey: cols[6], build: cols[7], errorCode: cols[8]}
		mustJSON(tb, cols[0], &v.input)
		v.length = mustAtoi(tb, cols[1])
		if v.valid {
			v.major, v.minor, v.patch = int32(mustAtoi(tb, cols[3])), int32(mustAtoi(tb, cols[4])), int32(mustAtoi(tb, cols[5]))
		} else {
			mustJSON(tb, cols[9], &v.errorMessage)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) != vectorCount {
		tb.Fatalf("read %d vectors, want %d", len(out), vectorCount)
	}
	return out
}

func mustJSON(tb testing.TB, s string, into *string) {
	tb.Helper()
	if err := json.Unmarshal([]byte(s), into); err != nil {
		tb.Fatalf("decode %q: %v", s, err)
	}
}

func mustAtoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// wantInvalid asserts err is a client error that reaches the wire as
// MLflow's INVALID_PARAMETER_VALUE/400 with exactly msg.
func wantInvalid(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", msg)
	}
	if !errors.Is(err, mlflowerr.ErrInvalid) {
		t.Errorf("error %v is not mlflowerr.ErrInvalid", err)
	}
	if code, status := mlflowerr.Code(err); code != "INVALID_PARAMETER_VALUE" || status != http.StatusBadRequest {
		t.Errorf("code %s/%d, want INVALID_PARAMETER_VALUE/400", code, status)
	}
	if err.Error() != msg {
		t.Errorf("message\n got %q\nwant %q", err.Error(), msg)
	}
}

func TestParseVersionMatchesMLflowVectors(t *testing.T) {
	for _, v := range loadSortKeyVectors(t) {
		t.Run(strconv.Quote(v.input), func(t *testing.T) {
			if n := utf8.RuneCountInString(v.input); n != v.length {
				t.Fatalf("fixture length %d, input has %d code points", v.length, n)
			}
			got, err := ParseVersion(v.input)
			if !v.valid {
				if v.errorCode != "INVALID_PARAMETER_VALUE" {
					t.Fatalf("unexpected fixture error code %q", v.errorCode)
				}
				wantInvalid(t, err, v.errorMessage)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Major() != v.major || got.Minor() != v.minor || got.Patch() != v.patch {
				t.Errorf("core %d.%d.%d, want %d.%d.%d", got.Major(), got.Minor(), got.Patch(), v.major, v.minor, v.patch)
			}
			if got.SortKey() != v.sortKey {
				t.Errorf("sort key\n got %s\nwant %s", got.SortKey(), v.sortKey)
			}
			if got.Prerelease() != "" && sortKeyLen(got.Prerelease()) != len(v.sortKey) {
				t.Errorf("sortKeyLen %d, key has %d bytes", sortKeyLen(got.Prerelease()), len(v.sortKey))
			}
			if got.Build() != v.build {
				t.Errorf("build %q, want %q", got.Build(), v.build)
			}
			if got.String() != v.input {
				t.Errorf("String() %q, want %q", got.String(), v.input)
			}
			wantPre := ""
			if _, rest, ok := strings.Cut(strings.SplitN(v.input, "+", 2)[0], "-"); ok {
				wantPre = rest
			}
			if got.Prerelease() != wantPre {
				t.Errorf("prerelease %q, want %q", got.Prerelease(), wantPre)
			}
		})
	}
}

func TestParseVersionField(t *testing.T) {
	long := "1.0.0-" + strings.Repeat("é", 123) // 129 code points
	fits := "1.0.0-" + strings.Repeat("é", 122) // 128 code points, 250 bytes
	tests := []struct {
		name, field, in, want string // want "" means valid
	}{
		{"filter field, partial", VersionFieldFilter, "2", "Invalid semantic version for filter_string version: '2'"},
		{"filter field, v prefix", VersionFieldFilter, "v1.0.0", "Invalid semantic version for filter_string version: 'v1.0.0'"},
		{"filter field, bound", VersionFieldFilter, "1.2147483648.0", "Invalid semantic version for filter_string version: '1.2147483648.0' (minor must be <= 2147483647)"},
		{"length counts code points, not bytes", VersionFieldServerJSON, long, "Invalid semantic version for server_json.version: '" + long + "' (maximum length is 128 characters)"},
		{"non-ASCII within the limit is malformed", VersionFieldServerJSON, fits, "Invalid semantic version for server_json.version: '" + fits + "'"},
		{"length is checked before grammar", VersionFieldServerJSON, strings.Repeat("x", 129), "Invalid semantic version for server_json.version: '" + strings.Repeat("x", 129) + "' (maximum length is 128 characters)"},
		{"grammar is checked before bounds", VersionFieldServerJSON, "2147483648.0.0-01", "Invalid semantic version for server_json.version: '2147483648.0.0-01'"},
		{"first part over the bound is named", VersionFieldServerJSON, "1.99999999999.99999999999", "Invalid semantic version for server_json.version: '1.99999999999.99999999999' (minor must be <= 2147483647)"},
		{"int32 wrap-around is caught", VersionFieldServerJSON, "4294967296.0.0", "Invalid semantic version for server_json.version: '4294967296.0.0' (major must be <= 2147483647)"},
		{"twenty-digit core", VersionFieldServerJSON, "0.0.18446744073709551617", "Invalid semantic version for server_json.version: '0.0.18446744073709551617' (patch must be <= 2147483647)"},
		{"invalid UTF-8", VersionFieldServerJSON, "\xff.0.0", "Invalid semantic version for server_json.version: '\xff.0.0'"},
		{"percent is not a format verb", VersionFieldServerJSON, "1.0.0-%d", "Invalid semantic version for server_json.version: '1.0.0-%d'"},
		{"plus inside build", VersionFieldServerJSON, "1.0.0+a+b", "Invalid semantic version for server_json.version: '1.0.0+a+b'"},
		{"empty build after prerelease", VersionFieldServerJSON, "1.0.0-a+", "Invalid semantic version for server_json.version: '1.0.0-a+'"},
		{"trailing dot in prerelease", VersionFieldServerJSON, "1.0.0-a.", "Invalid semantic version for server_json.version: '1.0.0-a.'"},
		{"leading dot in build", VersionFieldServerJSON, "1.0.0+.a", "Invalid semantic version for server_json.version: '1.0.0+.a'"},
		{"missing patch", VersionFieldServerJSON, "1.0.", "Invalid semantic version for server_json.version: '1.0.'"},
		{"sign", VersionFieldServerJSON, "-1.0.0", "Invalid semantic version for server_json.version: '-1.0.0'"},
		{"NUL", VersionFieldServerJSON, "1.0.0-a\x00", "Invalid semantic version for server_json.version: '1.0.0-a\x00'"},
		{"hyphens in build", VersionFieldServerJSON, "1.0.0-x+-.0-0", ""},
		{"zero prerelease then text", VersionFieldServerJSON, "1.0.0-0.a0", ""},
		{"exactly 128 ASCII characters", VersionFieldServerJSON, "1.0.0+" + strings.Repeat("0", 122), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVersionField(tt.field, tt.in)
			if tt.want != "" {
				wantInvalid(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.String() != tt.in {
				t.Errorf("String() %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestZeroSemVerIsZeroZeroZero(t *testing.T) {
	var zero SemVer
	parsed, err := ParseVersion("0.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if zero.String() != "0.0.0" || zero.SortKey() != "2" || zero.Compare(parsed) != 0 {
		t.Errorf("zero value %q key %q compare %d", zero.String(), zero.SortKey(), zero.Compare(parsed))
	}
}

func mustParse(tb testing.TB, s string) SemVer {
	tb.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// sqlOrder is how the store sorts by version: the three INTEGER columns,
// then the sort key compared byte-wise.
func sqlOrder(a, b SemVer) int {
	return cmp.Or(
		cmp.Compare(a.Major(), b.Major()),
		cmp.Compare(a.Minor(), b.Minor()),
		cmp.Compare(a.Patch(), b.Patch()),
		strings.Compare(a.SortKey(), b.SortKey()),
	)
}

func loadOrder(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/semver-order.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if len(out) != 35 {
		t.Fatalf("read %d versions, want 35", len(out))
	}
	return out
}

func TestCompareSortsLikeMLflow(t *testing.T) {
	want := loadOrder(t)
	orders := []struct {
		name string
		cmp  func(a, b SemVer) int
	}{
		{"precedence", SemVer.Compare},
		{"sql columns", sqlOrder},
	}
	for _, o := range orders {
		for seed := range uint64(20) {
			t.Run(o.name+"/seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
				vs := make([]SemVer, len(want))
				for i, s := range want {
					vs[i] = mustParse(t, s)
				}
				r := rand.New(rand.NewPCG(seed, seed))
				r.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
				slices.SortFunc(vs, o.cmp)
				for i, v := range vs {
					if v.String() != want[i] {
						t.Fatalf("position %d: %s, want %s", i, v, want[i])
					}
				}
			})
		}
	}
}

// Every pair of vectors (and the ordered list) must agree in both orders;
// this is what lets SQL ORDER BY stand in for Compare.
func TestSortKeyAgreesWithCompareForAllPairs(t *testing.T) {
	var vs []SemVer
	for _, v := range loadSortKeyVectors(t) {
		if v.valid {
			vs = append(vs, mustParse(t, v.input))
		}
	}
	for _, s := range loadOrder(t) {
		vs = append(vs, mustParse(t, s))
	}
	for _, a := range vs {
		for _, b := range vs {
			if got, want := sqlOrder(a, b), a.Compare(b); got != want {
				t.Errorf("%s vs %s: sql order %d, Compare %d", a, b, got, want)
			}
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0.0+a", "1.0.0+b", 0},
		{"1.0.0-rc.1+x", "1.0.0-rc.1", 0},
		{"1.0.0", "1.0.0-rc.1", 1},
		{"1.0.0-99999999999999999999", "1.0.0-2147483648", 1},
		{"1.0.0-9", "1.0.0-10", -1},
		{"1.0.0-alpha", "1.0.0-alpha.0", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.a", -1},
		{"1.0.0-Z", "1.0.0-a", -1},
		{"1.0.0--", "1.0.0-0A", -1},
		{"2.0.0", "10.0.0", -1},
		{"0.10.0", "0.9.9", 1},
		{"0.0.2147483647", "0.0.2147483646", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, b := mustParse(t, tt.a), mustParse(t, tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Errorf("reverse Compare = %d, want %d", got, -tt.want)
			}
			if got := sqlOrder(a, b); got != tt.want {
				t.Errorf("sql order = %d, want %d", got, tt.want)
			}
		})
	}
}

// referenceSemVer is the semver.org regular expression with ASCII digits, as
// MLflow compiles it. It is the oracle for the hand-written parser; the
// length and core bounds are checked separately.
var referenceSemVer = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?` +
	`(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$`)

// checkAgainstReference compares ParseVersion with the regex oracle.
func checkAgainstReference(t *testing.T, s string) {
	t.Helper()
	v, err := ParseVersion(s)
	m := referenceSemVer.FindStringSubmatch(s)
	wantValid := m != nil && utf8.RuneCountInString(s) <= MaxVersionLength
	if wantValid {
		for _, part := range m[1:4] {
			if n, perr := strconv.ParseInt(part, 10, 64); perr != nil || n > maxCoreValue {
				wantValid = false
			}
		}
	}
	if (err == nil) != wantValid {
		t.Fatalf("%q: ParseVersion error %v, reference valid=%v", s, err, wantValid)
	}
	if err != nil {
		if !errors.Is(err, mlflowerr.ErrInvalid) || !strings.HasPrefix(err.Error(), "Invalid semantic version for server_json.version: '") {
			t.Fatalf("%q: unexpected error %v", s, err)
		}
		return
	}
	if v.Prerelease() != m[4] || v.Build() != m[5] {
		t.Fatalf("%q: prerelease %q build %q, reference %q %q", s, v.Prerelease(), v.Build(), m[4], m[5])
	}
}

func TestParseVersionAgreesWithReferenceRegex(t *testing.T) {
	inputs := []string{"1.0.0-a.b.c", "1.0.0-0a", "1.0.0-00", "1.0.0-a-", "1.0.0+0.0", "0.0.0-0.0.0+0.0.0", "1.0.0+a.", "1.0.0-+"}
	for _, v := range loadSortKeyVectors(t) {
		inputs = append(inputs, v.input)
	}
	for _, s := range inputs {
		checkAgainstReference(t, s)
	}
}

func BenchmarkParseVersion(b *testing.B) {
	cases := []struct{ name, in string }{
		{"release", "1.2.3"},
		{"prerelease+build", "1.0.0-rc.1+build.123"},
		{"max-length", "1.0.0-" + strings.Repeat("a", 122)},
		{"invalid", "v1.0.0"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseVersion(c.in)
			}
		})
	}
}

func BenchmarkSortKey(b *testing.B) {
	v := mustParse(b, "1.0.0-alpha.beta.11")
	b.ReportAllocs()
	for b.Loop() {
		_ = v.SortKey()
	}
}
