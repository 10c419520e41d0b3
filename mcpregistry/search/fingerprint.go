package search

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"sort"
)

// Fingerprint is everything that decides which rows a search returns and in
// which order. A page token is only valid under the fingerprint it was made
// with. The page size is deliberately absent: a keyset position means the
// same thing whatever the page size, so a client may change max_results
// between pages.
type Fingerprint struct {
	Resource  Resource
	Workspace string
	// Scope is the server name of a per-server search (versions, endpoints
	// of {N}); empty for a workspace-wide one.
	Scope string
	// Filter is the parsed filter: parsing normalises it, so `a='x'` and
	// `a = 'x'` share tokens.
	Filter []Clause
	// Order is the total order from ParseOrderBy, tie-breakers included.
	Order []OrderTerm
	// Params holds any other row-selecting parameters by name, such as
	// server_version and server_alias. An absent key means "not given",
	// which differs from a given empty string.
	Params map[string]string
}

// fingerprintDomain separates these digests from any other SHA-256 use and
// versions the encoding below.
const fingerprintDomain = "mlflow-sidecar/search/fingerprint/v1"

// digest hashes an unambiguous encoding: every variable-length field is
// length-prefixed and every choice is tagged, so two different fingerprints
// never encode alike.
func (fp Fingerprint) digest() [sha256.Size]byte {
	e := fpEncoder{h: sha256.New()}
	e.str(fingerprintDomain)
	e.uint(uint64(fp.Resource))
	e.str(fp.Workspace)
	e.str(fp.Scope)
	e.uint(uint64(len(fp.Filter)))
	for _, c := range fp.Filter {
		e.uint(uint64(c.Kind))
		e.str(c.Key)
		e.str(string(c.Op))
		e.value(c.Value)
	}
	e.uint(uint64(len(fp.Order)))
	for _, t := range fp.Order {
		e.str(string(t.Key))
		e.bool(t.Desc)
	}
	names := make([]string, 0, len(fp.Params))
	for n := range fp.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	e.uint(uint64(len(names)))
	for _, n := range names {
		e.str(n)
		e.str(fp.Params[n])
	}
	var d [sha256.Size]byte
	copy(d[:], e.h.Sum(nil))
	return d
}

type fpEncoder struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

func (e *fpEncoder) uint(n uint64) {
	e.h.Write(binary.AppendUvarint(e.buf[:0], n))
}

func (e *fpEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.h.Write([]byte(s))
}

func (e *fpEncoder) bool(b bool) {
	if b {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

// value encodes a clause operand with a type tag (see Clause.Value).
func (e *fpEncoder) value(v any) {
	switch v := v.(type) {
	case string:
		e.uint(1)
		e.str(v)
	case int64:
		e.uint(2)
		e.uint(uint64(v))
	case float64:
		e.uint(3)
		e.uint(math.Float64bits(v))
	case []string:
		e.uint(4)
		e.uint(uint64(len(v)))
		for _, s := range v {
			e.str(s)
		}
	case bool:
		e.uint(5)
		e.bool(v)
	case nil:
		e.uint(0)
	default:
		// ParseFilter never makes another type; a hand-built clause still
		// gets a distinct, deterministic encoding instead of colliding.
		e.uint(6)
		e.str(fmt.Sprintf("%T:%#v", v, v))
	}
}
