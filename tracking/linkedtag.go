package tracking

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// LinkedServersTag is the trace tag that lists a trace's MCP server versions,
// in the format of MLflow's mlflow.linkedPrompts tag, so that MLflow's own UI
// and trace search show the links.
const LinkedServersTag = "mlflow.linkedMcpServers"

// MaxTagValueLen is MLflow's MAX_TRACE_TAG_VAL_LENGTH, the width of
// trace_tags.value (VARCHAR(8000)), in characters.
const MaxTagValueLen = 8000

// VersionRef names one MCP server version of the caller's workspace.
type VersionRef struct {
	Name    string
	Version string
}

// parseLinkedTag reads the tag's entries. ok is false when the value is not
// a JSON list (someone else wrote it); entries that are not objects with a
// string name and version are skipped, since no association can match them.
func parseLinkedTag(value string) (refs []VersionRef, ok bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return nil, false
	}
	for _, r := range raw {
		var e struct {
			Name    *string `json:"name"`
			Version *string `json:"version"`
		}
		if json.Unmarshal(r, &e) != nil || e.Name == nil || e.Version == nil {
			continue
		}
		refs = append(refs, VersionRef{Name: *e.Name, Version: *e.Version})
	}
	return refs, true
}

// renderLinkedTag writes refs exactly as Python's json.dumps writes MLflow's
// linked-prompts list: ", " and ": " separators, keys name then version, and
// every character outside printable ASCII escaped (ensure_ascii), so the
// value's length in characters equals its length in bytes.
func renderLinkedTag(refs []VersionRef) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"name": `)
		writePyString(&b, r.Name)
		b.WriteString(`, "version": `)
		writePyString(&b, r.Version)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

const hexDigits = "0123456789abcdef"

// writePyString is json.dumps(s) with ensure_ascii=True.
func writePyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r <= 0x7e:
				b.WriteRune(r)
			case r == utf8.RuneError || r < 0x10000:
				writeUEscape(b, r)
			default: // astral: a UTF-16 surrogate pair, as Python writes it
				r -= 0x10000
				writeUEscape(b, 0xd800+(r>>10))
				writeUEscape(b, 0xdc00+(r&0x3ff))
			}
		}
	}
	b.WriteByte('"')
}

func writeUEscape(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}
