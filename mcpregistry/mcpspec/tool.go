package mcpspec

import (
	"context"
	"encoding/json"
	"fmt"
)

// MaxTools is MLflow's limit on a version's tool list.
const MaxTools = 1000

// Tool is an MCP tool as MLflow's registry keeps it (MCPToolRequestPayload):
// eight known keys, unknown keys dropped. Schemas, annotations and execution
// are objects kept as sent.
type Tool struct {
	Name         string
	Title        *string
	Description  *string
	InputSchema  json.RawMessage // nil when unset
	OutputSchema json.RawMessage
	Annotations  json.RawMessage
	Icons        []Icon // nil when unset
	Execution    json.RawMessage
}

var toolModel = &modelDef{
	class:     "MCPToolRequestPayload",
	dropNulls: true,
	fields: []field{
		{name: "name", typ: typeStr, required: true},
		{name: "title", typ: typeStr},
		{name: "description", typ: typeStr},
		{name: "inputSchema", typ: typeDict},
		{name: "outputSchema", typ: typeDict},
		{name: "annotations", typ: typeDict},
		{name: "icons", typ: typeIconList},
		{name: "execution", typ: typeDict},
	},
}

func (w *walker) tool(v *value, loc string) (value, bool) { return w.model(toolModel, v, loc) }

// CanonicalTools validates a tool list sent at loc ("tools") and returns
// the JSON to store: a compact array whose tools omit null keys. JSON null
// (or empty raw) gives nil, which the caller stores as NULL; [] gives "[]".
// Failures are *mlflowerr.RequestError issues ("tools.0.name: Field
// required", "tools: List should have at most 1000 items after validation,
// not 1001") or, for icon URL and mimeType problems, plain mlflowerr.Invalid.
func CanonicalTools(ctx context.Context, raw json.RawMessage, loc string, policy *IconPolicy) (json.RawMessage, error) {
	return validateList(ctx, raw, loc, policy, MaxTools, func(w *walker) func(*value, string) (value, bool) { return w.tool })
}

// ParseTools is CanonicalTools returning typed tools. JSON null gives a nil
// slice and [] an empty non-nil one: PATCH stores NULL for the first and
// "[]" for the second (responses show [] for both).
func ParseTools(ctx context.Context, raw json.RawMessage, loc string, policy *IconPolicy) ([]Tool, error) {
	stored, err := CanonicalTools(ctx, raw, loc, policy)
	if err != nil || stored == nil {
		return nil, err
	}
	return DecodeTools(stored)
}

// DecodeTools reads stored tools without validating them. SQL NULL (nil)
// and JSON null give nil.
func DecodeTools(stored []byte) ([]Tool, error) { return decodeList(stored, "tools", toolFromValue) }

func toolFromValue(v *value) (Tool, error) {
	if v.kind != kindObject {
		return Tool{}, fmt.Errorf("stored tool is a JSON %s, not an object", v.kind.typeName())
	}
	var t Tool
	for i := range v.members {
		m := &v.members[i]
		if m.val.kind == kindNull {
			continue
		}
		switch m.key {
		case "name":
			t.Name = m.val.text
		case "title":
			t.Title = &m.val.text
		case "description":
			t.Description = &m.val.text
		case "inputSchema":
			t.InputSchema = m.val.raw()
		case "outputSchema":
			t.OutputSchema = m.val.raw()
		case "annotations":
			t.Annotations = m.val.raw()
		case "execution":
			t.Execution = m.val.raw()
		case "icons":
			icons, err := listFromValue(&m.val, "icons", iconFromValue)
			if err != nil {
				return Tool{}, err
			}
			t.Icons = icons
		}
	}
	return t, nil
}

// MarshalJSON writes the response form (MCPToolResponsePayload): all eight
// keys in MLflow's order, null for the unset ones.
func (t Tool) MarshalJSON() ([]byte, error) { return t.appendJSON(nil, false) }

// UnmarshalJSON reads a tool as DecodeTools does.
func (t *Tool) UnmarshalJSON(data []byte) error {
	v, err := parseDocument(data, "tool")
	if err != nil {
		return fmt.Errorf("tool: %v", err)
	}
	*t, err = toolFromValue(&v)
	return err
}

// EncodeTools writes the storage form of tools: nil for a nil slice (SQL
// NULL), otherwise a compact array whose tools omit unset keys.
func EncodeTools(tools []Tool) (json.RawMessage, error) {
	if tools == nil {
		return nil, nil
	}
	b := []byte{'['}
	for i := range tools {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = tools[i].appendJSON(b, true); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (t *Tool) appendJSON(b []byte, omitUnset bool) ([]byte, error) {
	b = append(b, '{')
	first := true
	key := func(k string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
	}
	str := func(k string, s *string) {
		switch {
		case s != nil:
			key(k)
			b = appendString(b, *s)
		case !omitUnset:
			key(k)
			b = append(b, "null"...)
		}
	}
	obj := func(k string, raw json.RawMessage) error {
		if raw == nil && omitUnset {
			return nil
		}
		key(k)
		var err error
		b, err = appendCompact(b, raw)
		return err
	}
	str("name", &t.Name)
	str("title", t.Title)
	str("description", t.Description)
	for _, o := range []struct {
		k   string
		raw json.RawMessage
	}{{"inputSchema", t.InputSchema}, {"outputSchema", t.OutputSchema}, {"annotations", t.Annotations}} {
		if err := obj(o.k, o.raw); err != nil {
			return nil, err
		}
	}
	if t.Icons != nil {
		key("icons")
		b = append(b, '[')
		for i, ic := range t.Icons {
			if i > 0 {
				b = append(b, ',')
			}
			enc, err := ic.MarshalJSON()
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
		}
		b = append(b, ']')
	} else if !omitUnset {
		key("icons")
		b = append(b, "null"...)
	}
	if err := obj("execution", t.Execution); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}
