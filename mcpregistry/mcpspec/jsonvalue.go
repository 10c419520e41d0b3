package mcpspec

import (
	"encoding/json"
	"strconv"
)

// kind is the JSON type of a value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// value is a decoded JSON document that keeps what encoding/json throws
// away and MLflow's stored form depends on: the order of object members and
// the literal text of numbers (Python keeps integers exact, so a 20-digit id
// must not pass through float64).
type value struct {
	kind    kind
	boolean bool
	text    string // string contents, or the number literal
	items   []value
	members []member
}

type member struct {
	key string
	val value
}

// get returns the member named key.
func (v *value) get(key string) (*value, bool) {
	for i := range v.members {
		if v.members[i].key == key {
			return &v.members[i].val, true
		}
	}
	return nil, false
}

// typeName is how JSON Schema and messages name a kind.
func (k kind) typeName() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	default:
		return "object"
	}
}

// appendJSON writes v compactly. Strings keep their characters as UTF-8 and
// escape only what JSON requires, so the output is valid for PostgreSQL's
// json type and stable across round trips (the fuzz target checks this).
func (v *value) appendJSON(b []byte) []byte {
	switch v.kind {
	case kindNull:
		return append(b, "null"...)
	case kindBool:
		return strconv.AppendBool(b, v.boolean)
	case kindNumber:
		return append(b, v.text...)
	case kindString:
		return appendString(b, v.text)
	case kindArray:
		b = append(b, '[')
		for i := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.items[i].appendJSON(b)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i := range v.members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v.members[i].key)
			b = append(b, ':')
			b = v.members[i].val.appendJSON(b)
		}
		return append(b, '}')
	}
}

func (v *value) raw() json.RawMessage { return v.appendJSON(nil) }

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// toAny converts v to the representation santhosh-tekuri/jsonschema
// validates (maps, slices, json.Number).
func (v *value) toAny() any {
	switch v.kind {
	case kindNull:
		return nil
	case kindBool:
		return v.boolean
	case kindNumber:
		return json.Number(v.text)
	case kindString:
		return v.text
	case kindArray:
		out := make([]any, len(v.items))
		for i := range v.items {
			out[i] = v.items[i].toAny()
		}
		return out
	default:
		out := make(map[string]any, len(v.members))
		for i := range v.members {
			out[v.members[i].key] = v.members[i].val.toAny()
		}
		return out
	}
}
