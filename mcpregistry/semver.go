package mcpregistry

import (
	"cmp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Field names that prefix SemVer errors. MLflow names the input being
// validated in the message, and clients see it, so the text must match.
const (
	// VersionFieldServerJSON is the field of a version registration.
	VersionFieldServerJSON = "server_json.version"
	// VersionFieldFilter is the operand of a version comparison in filter_string.
	VersionFieldFilter = "filter_string version"
)

const (
	// MaxVersionLength is MLflow's limit in characters (Unicode code points,
	// as Python's len counts them), which also matches VARCHAR(128).
	MaxVersionLength = 128
	// maxCoreValue keeps major, minor and patch inside an SQL INTEGER.
	maxCoreValue = 2147483647

	// Sort-key encoding (MLflow's version_prerelease_sort_key). A release
	// encodes as "2", above every prerelease encoding; numeric identifiers
	// start with "0" so they sort below text ones ("1"). Numeric payloads are
	// prefixed with their 3-digit length so byte order equals numeric order,
	// and text identifiers end in "000", below every encoded character, so a
	// shorter identifier sorts first.
	releaseSortKey   = "2"
	textTerminator   = "000"
	asciiCodeWidth   = 3
	lengthFieldWidth = 3
)

// SemVer is a version string that passed MLflow's strict SemVer 2.0.0 check.
// Values come from ParseVersion, so every SemVer is valid; the zero value is
// 0.0.0. Two SemVers are == only when their strings are identical, which is
// the registry's identity (build metadata included); Compare is precedence.
type SemVer struct {
	raw                 string
	major, minor, patch int32
	prerelease, build   string
}

// ParseVersion parses a server_json.version value. See ParseVersionField.
func ParseVersion(s string) (SemVer, error) {
	return ParseVersionField(VersionFieldServerJSON, s)
}

// ParseVersionField parses s as strict SemVer 2.0.0 with MLflow's limits and
// names field in the error message. The checks run in MLflow's order (length,
// grammar, core bounds) because each gives a different message: an over-long
// string is reported as such even when it is also malformed, and a core part
// over 2147483647 is only reported once the whole string is well formed.
func ParseVersionField(field, s string) (SemVer, error) {
	// A string of at most 128 bytes has at most 128 code points; only longer
	// ones need counting, and those under the limit hold non-ASCII bytes and
	// so fail the grammar below.
	if len(s) > MaxVersionLength && utf8.RuneCountInString(s) > MaxVersionLength {
		return SemVer{}, mlflowerr.Invalid(
			"Invalid semantic version for %s: '%s' (maximum length is %d characters)",
			field, s, MaxVersionLength)
	}
	v, tooBig, ok := parseSemVer(s)
	if !ok {
		return SemVer{}, mlflowerr.Invalid("Invalid semantic version for %s: '%s'", field, s)
	}
	if tooBig != "" {
		return SemVer{}, mlflowerr.Invalid(
			"Invalid semantic version for %s: '%s' (%s must be <= %d)",
			field, s, tooBig, maxCoreValue)
	}
	return v, nil
}

var coreLabels = [3]string{"major", "minor", "patch"}

// parseSemVer checks the semver.org grammar with ASCII digits only. tooBig
// names the first core part over the bound (major before minor before patch).
func parseSemVer(s string) (v SemVer, tooBig string, ok bool) {
	var core [3]int32
	i := 0
	for k := range core {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return SemVer{}, "", false
			}
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		digits := s[start:i]
		if !isNumericIdentifier(digits) {
			return SemVer{}, "", false
		}
		n, inRange := coreValue(digits)
		if !inRange && tooBig == "" {
			tooBig = coreLabels[k]
		}
		core[k] = n
	}
	var pre, build string
	if i < len(s) && s[i] == '-' {
		end := strings.IndexByte(s[i:], '+')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		pre = s[i+1 : end]
		if !validIdentifiers(pre, true) {
			return SemVer{}, "", false
		}
		i = end
	}
	if i < len(s) && s[i] == '+' {
		build = s[i+1:]
		if !validIdentifiers(build, false) {
			return SemVer{}, "", false
		}
		i = len(s)
	}
	if i != len(s) {
		return SemVer{}, "", false
	}
	return SemVer{raw: s, major: core[0], minor: core[1], patch: core[2], prerelease: pre, build: build}, tooBig, true
}

// coreValue reads a digit string already known to be a numeric identifier.
// Anything over ten digits is over the bound, so the arithmetic cannot overflow.
func coreValue(digits string) (int32, bool) {
	if len(digits) > 10 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if n > maxCoreValue {
		return 0, false
	}
	return int32(n), true
}

// validIdentifiers checks a dot-separated prerelease or build list: every
// identifier non-empty and made of [0-9A-Za-z-]. Prerelease identifiers that
// are all digits must also have no leading zero (build ones may).
func validIdentifiers(list string, prerelease bool) bool {
	for {
		dot := strings.IndexByte(list, '.')
		id := list
		if dot >= 0 {
			id = list[:dot]
		}
		if id == "" {
			return false
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case isDigit(c):
			case isASCIILetter(c) || c == '-':
				numeric = false
			default:
				return false
			}
		}
		if prerelease && numeric && !isNumericIdentifier(id) {
			return false
		}
		if dot < 0 {
			return true
		}
		list = list[dot+1:]
	}
}

// isNumericIdentifier: "0" or ASCII digits without a leading zero.
func isNumericIdentifier(s string) bool {
	return s != "" && isAllDigits(s) && (s == "0" || s[0] != '0')
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// String returns the version exactly as it was parsed.
func (v SemVer) String() string {
	if v.raw == "" {
		return "0.0.0"
	}
	return v.raw
}

// Major is the version_major column. It is never negative.
func (v SemVer) Major() int32 { return v.major }

// Minor is the version_minor column. It is never negative.
func (v SemVer) Minor() int32 { return v.minor }

// Patch is the version_patch column. It is never negative.
func (v SemVer) Patch() int32 { return v.patch }

// Prerelease is the dot-separated prerelease list without its '-', or "".
func (v SemVer) Prerelease() string { return v.prerelease }

// Build is the build metadata without its '+', or "". It is part of a
// version's identity but not of its precedence.
func (v SemVer) Build() string { return v.build }

// SortKey is MLflow's version_prerelease_sort_key. Ordering rows by
// (version_major, version_minor, version_patch, version_prerelease_sort_key),
// the key compared byte-wise, gives exactly SemVer precedence (Compare). For
// a 128-character version the key is at most 427 bytes (VARCHAR(512)).
func (v SemVer) SortKey() string {
	if v.prerelease == "" {
		return releaseSortKey
	}
	var b strings.Builder
	b.Grow(sortKeyLen(v.prerelease))
	for rest := v.prerelease; ; {
		id, tail, more := strings.Cut(rest, ".")
		if isAllDigits(id) {
			b.WriteByte('0')
			writePadded(&b, len(id), lengthFieldWidth)
			b.WriteString(id)
		} else {
			b.WriteByte('1')
			for i := 0; i < len(id); i++ {
				writePadded(&b, int(id[i]), asciiCodeWidth)
			}
			b.WriteString(textTerminator)
		}
		if !more {
			return b.String()
		}
		rest = tail
	}
}

// sortKeyLen is the exact encoded length, so SortKey allocates once.
func sortKeyLen(prerelease string) int {
	n := 0
	for rest := prerelease; ; {
		id, tail, more := strings.Cut(rest, ".")
		if isAllDigits(id) {
			n += 1 + lengthFieldWidth + len(id)
		} else {
			n += 1 + asciiCodeWidth*len(id) + len(textTerminator)
		}
		if !more {
			return n
		}
		rest = tail
	}
}

// writePadded writes n in decimal, zero-padded to width. Callers keep n
// below 10^width (identifier lengths and ASCII codes are under 1000).
func writePadded(b *strings.Builder, n, width int) {
	var buf [8]byte
	digits := strconv.AppendInt(buf[:0], int64(n), 10)
	for range width - len(digits) {
		b.WriteByte('0')
	}
	b.Write(digits)
}

// Compare returns -1, 0 or +1 as v has lower, equal or higher SemVer
// precedence than w. Build metadata is ignored, so 1.0.0+a and 1.0.0+b
// compare equal although they are distinct versions. As a method
// expression, SemVer.Compare suits slices.SortFunc.
func (v SemVer) Compare(w SemVer) int {
	if c := cmp.Compare(v.major, w.major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.minor, w.minor); c != 0 {
		return c
	}
	if c := cmp.Compare(v.patch, w.patch); c != 0 {
		return c
	}
	// A release outranks any of its prereleases.
	switch {
	case v.prerelease == "" && w.prerelease == "":
		return 0
	case v.prerelease == "":
		return 1
	case w.prerelease == "":
		return -1
	}
	a, b := v.prerelease, w.prerelease
	for {
		x, aTail, aMore := strings.Cut(a, ".")
		y, bTail, bMore := strings.Cut(b, ".")
		if c := compareIdentifier(x, y); c != 0 {
			return c
		}
		// On an equal prefix, the longer identifier list ranks higher.
		switch {
		case !aMore && !bMore:
			return 0
		case !aMore:
			return -1
		case !bMore:
			return 1
		}
		a, b = aTail, bTail
	}
}

// compareIdentifier orders one prerelease identifier pair: numeric ones by
// value (unbounded, so by length first; there are no leading zeros), numeric
// below text, text by ASCII byte order.
func compareIdentifier(x, y string) int {
	xNum, yNum := isAllDigits(x), isAllDigits(y)
	switch {
	case xNum && yNum:
		if c := cmp.Compare(len(x), len(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	case xNum:
		return -1
	case yNum:
		return 1
	}
	return strings.Compare(x, y)
}
