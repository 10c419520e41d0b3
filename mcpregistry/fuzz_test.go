package mcpregistry

import (
	"errors"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// FuzzParseVersion checks, for any pair of strings: no panic; agreement with
// the semver.org regex; a valid version round-trips through String and
// re-parses to an equal value; its sort key fits the column; and the SQL
// order (major, minor, patch, sort key) agrees with Compare.
func FuzzParseVersion(f *testing.F) {
	vectors := loadSortKeyVectors(f)
	for i, v := range vectors {
		f.Add(v.input, vectors[(i+1)%len(vectors)].input)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkAgainstReference(t, a)
		va, errA := ParseVersion(a)
		vb, errB := ParseVersion(b)
		if errA != nil || errB != nil {
			return
		}
		if va.String() != a || vb.String() != b {
			t.Fatalf("String() %q, %q; inputs %q, %q", va, vb, a, b)
		}
		for _, v := range []SemVer{va, vb} {
			again, err := ParseVersion(v.String())
			if err != nil || again != v {
				t.Fatalf("%q does not round-trip: %v", v.String(), err)
			}
			if len(v.SortKey()) > 512 {
				t.Fatalf("%q: sort key of %d bytes overflows VARCHAR(512)", v, len(v.SortKey()))
			}
		}
		if got, want := sqlOrder(va, vb), va.Compare(vb); got != want {
			t.Fatalf("%q vs %q: sql order %d, Compare %d", a, b, got, want)
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("%q vs %q: Compare is not antisymmetric", a, b)
		}
	})
}

// FuzzValidateServerName checks ValidateServerName against MLflow's regular
// expressions and that every rejection carries one of its two messages.
func FuzzValidateServerName(f *testing.F) {
	for _, tt := range serverNameTests {
		f.Add(tt.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateServerName(name)
		if want := referenceServerNameValid(name); (err == nil) != want {
			t.Fatalf("%q: error %v, reference valid=%v", name, err, want)
		}
		if err == nil {
			return
		}
		if !errors.Is(err, mlflowerr.ErrInvalid) {
			t.Fatalf("%q: %v is not ErrInvalid", name, err)
		}
		if msg := err.Error(); msg != invalidServerNameMessage && (name != "" || msg != "MCP server name must not be empty") {
			t.Fatalf("%q: unexpected message %q", name, msg)
		}
	})
}
