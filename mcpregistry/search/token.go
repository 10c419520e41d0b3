package search

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Page tokens are keyset positions, not offsets. A token holds the sort-key
// values of the last row of its page; the next page is "rows after this
// position in the query's total order" (ParseOrderBy always ends in a unique
// key), which an index answers directly. Page 1000 therefore costs what page
// 1 costs, where an OFFSET makes the database walk and discard every earlier
// row; and rows inserted or deleted between requests do not shift later
// pages, so a client walking all pages neither skips nor repeats a row.
//
// We do not copy MLflow's tokens (base64 of {"offset": N}). Clients treat
// tokens as opaque, MLflow itself documents that format as unstable, and an
// offset carries none of the above. A token is bound to the query that made
// it (see Fingerprint): reusing it with another filter, order or scope is an
// error, where MLflow would silently apply the offset to a different result.
//
// Layout (then base64url without padding, so it is safe in a query string):
//
//	format (1 byte) | fingerprint tag (8) | position | check (16)
//
// The check is SHA-256 over format, the full fingerprint digest and the
// position, truncated. It is an integrity check, not a signature: a client
// that forges a position gains nothing it could not get with a filter, since
// every value only ever reaches SQL as a bound parameter.

// ValueKind is the type of one keyset value.
type ValueKind uint8

// Value kinds. The numbers are part of the token format.
const (
	KindString ValueKind = 1
	KindInt    ValueKind = 2
)

// nullFlag marks a NULL in a value's kind byte.
const nullFlag = 0x80

// Value is one column value of a keyset position.
type Value struct {
	Kind ValueKind
	Null bool
	Str  string // when Kind is KindString and !Null
	Int  int64  // when Kind is KindInt and !Null
}

// StringValue, IntValue and NullValue build position values.
func StringValue(s string) Value     { return Value{Kind: KindString, Str: s} }
func IntValue(i int64) Value         { return Value{Kind: KindInt, Int: i} }
func NullValue(kind ValueKind) Value { return Value{Kind: kind, Null: true} }

const (
	tokenFormatV1 = 1
	fpTagLen      = 8
	checkLen      = 16
	// maxTokenLen bounds what is decoded at all. Real positions are a few
	// hundred bytes (a version sort key is at most 427).
	maxTokenLen = 4096
)

var tokenEncoding = base64.RawURLEncoding.Strict()

// EncodeToken makes the page token for the position pos (one value per
// column of fp.Order, see OrderTerm.Kinds) under the query fp. A position of
// the wrong shape is a bug in the caller and returns a plain error.
func EncodeToken(fp Fingerprint, pos []Value) (string, error) {
	if err := checkShape(fp.Order, pos); err != nil {
		return "", fmt.Errorf("search: encode page token: %w", err)
	}
	digest := fp.digest()
	payload := encodePosition(pos)
	raw := make([]byte, 0, 1+fpTagLen+len(payload)+checkLen)
	raw = append(raw, tokenFormatV1)
	raw = append(raw, digest[:fpTagLen]...)
	raw = append(raw, payload...)
	raw = append(raw, check(digest, payload)...)
	return tokenEncoding.EncodeToString(raw), nil
}

// DecodeToken returns the position in token s, which must have been made for
// the query fp. An empty s means the first page: nil, nil. Any other failure
// is mlflowerr.ErrInvalid ("Invalid page token ...").
func DecodeToken(s string, fp Fingerprint) ([]Value, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > maxTokenLen {
		return nil, mlflowerr.Invalid("Invalid page token, too long")
	}
	raw, err := tokenEncoding.DecodeString(s)
	// Go's base64 decoder skips \r and \n; a token is only valid in the one
	// spelling EncodeToken produces.
	if err != nil || tokenEncoding.EncodeToString(raw) != s {
		return nil, mlflowerr.Invalid("Invalid page token, could not decode")
	}
	if len(raw) < 1+fpTagLen+checkLen || raw[0] != tokenFormatV1 {
		return nil, mlflowerr.Invalid("Invalid page token, unknown format")
	}
	digest := fp.digest()
	if !bytes.Equal(raw[1:1+fpTagLen], digest[:fpTagLen]) {
		return nil, mlflowerr.Invalid("Invalid page token, it belongs to a different query: " +
			"filter_string, order_by and the searched scope must stay the same across pages")
	}
	payload := raw[1+fpTagLen : len(raw)-checkLen]
	if !bytes.Equal(raw[len(raw)-checkLen:], check(digest, payload)) {
		return nil, mlflowerr.Invalid("Invalid page token, integrity check failed")
	}
	pos, ok := decodePosition(payload)
	if !ok || checkShape(fp.Order, pos) != nil {
		return nil, mlflowerr.Invalid("Invalid page token, malformed position")
	}
	return pos, nil
}

func check(digest [sha256.Size]byte, payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte{tokenFormatV1})
	h.Write(digest[:])
	h.Write(payload)
	return h.Sum(nil)[:checkLen]
}

// checkShape verifies pos has one value of the right kind per order column.
func checkShape(order []OrderTerm, pos []Value) error {
	i := 0
	for _, t := range order {
		for _, k := range t.Kinds() {
			if i >= len(pos) {
				return fmt.Errorf("position has %d values, the order needs more", len(pos))
			}
			if pos[i].Kind != k {
				return fmt.Errorf("position value %d has kind %d, order term %s needs %d", i, pos[i].Kind, t.Key, k)
			}
			i++
		}
	}
	if i != len(pos) {
		return fmt.Errorf("position has %d values, the order needs %d", len(pos), i)
	}
	return nil
}

// encodePosition: per value, a kind byte (nullFlag for NULL), then a string
// as uvarint length + bytes or an integer as a zig-zag varint.
func encodePosition(pos []Value) []byte {
	var b []byte
	for _, v := range pos {
		if v.Null {
			b = append(b, byte(v.Kind)|nullFlag)
			continue
		}
		b = append(b, byte(v.Kind))
		switch v.Kind {
		case KindString:
			b = binary.AppendUvarint(b, uint64(len(v.Str)))
			b = append(b, v.Str...)
		case KindInt:
			b = binary.AppendVarint(b, v.Int)
		}
	}
	return b
}

func decodePosition(b []byte) ([]Value, bool) {
	var pos []Value
	for len(b) > 0 {
		kind, null := ValueKind(b[0]&^nullFlag), b[0]&nullFlag != 0
		b = b[1:]
		if kind != KindString && kind != KindInt {
			return nil, false
		}
		if null {
			pos = append(pos, NullValue(kind))
			continue
		}
		switch kind {
		case KindString:
			n, w := binary.Uvarint(b)
			if w <= 0 || n > uint64(len(b)-w) {
				return nil, false
			}
			pos = append(pos, StringValue(string(b[w:w+int(n)])))
			b = b[w+int(n):]
		case KindInt:
			i, w := binary.Varint(b)
			if w <= 0 {
				return nil, false
			}
			pos = append(pos, IntValue(i))
			b = b[w:]
		}
	}
	return pos, true
}
