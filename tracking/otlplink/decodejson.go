package otlplink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// OTLP/JSON is protobuf's JSON mapping with two exceptions: trace and span
// ids are hex, and enums are integers. Receivers accept lowerCamelCase and
// the original snake_case field names, and enum names too; so does this
// decoder, which reads only what the linker needs.
type jsonExport struct {
	ResourceSpans      []jsonResourceSpans `json:"resourceSpans"`
	ResourceSpansSnake []jsonResourceSpans `json:"resource_spans"`
}

type jsonResourceSpans struct {
	ScopeSpans      []jsonScopeSpans `json:"scopeSpans"`
	ScopeSpansSnake []jsonScopeSpans `json:"scope_spans"`
}

type jsonScopeSpans struct {
	Spans []jsonSpan `json:"spans"`
}

type jsonSpan struct {
	TraceID      string          `json:"traceId"`
	TraceIDSnake string          `json:"trace_id"`
	Kind         json.RawMessage `json:"kind"`
	Attributes   []jsonKeyValue  `json:"attributes"`
}

type jsonKeyValue struct {
	Key   string    `json:"key"`
	Value jsonValue `json:"value"`
}

type jsonValue struct {
	StringValue      *string         `json:"stringValue"`
	StringValueSnake *string         `json:"string_value"`
	IntValue         json.RawMessage `json:"intValue"`
	IntValueSnake    json.RawMessage `json:"int_value"`
}

func jsonSpans(raw []byte) ([]span, error) {
	var exp jsonExport
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&exp); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", errUndecodable, err)
	}
	var out []span
	for _, rs := range append(exp.ResourceSpans, exp.ResourceSpansSnake...) {
		for _, ss := range append(rs.ScopeSpans, rs.ScopeSpansSnake...) {
			for _, s := range ss.Spans {
				id, ok := parseID(first(s.TraceID, s.TraceIDSnake))
				if !ok {
					continue
				}
				sp := span{traceID: id, client: isClientKind(s.Kind)}
				for _, kv := range s.Attributes {
					if !wantedAttrs[kv.Key] {
						continue
					}
					if v, ok := kv.Value.text(); ok {
						sp.setAttr(kv.Key, v)
					}
				}
				out = append(out, sp)
			}
		}
	}
	return out, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func isClientKind(raw json.RawMessage) bool {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n == 3
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "SPAN_KIND_CLIENT"
}

func (v jsonValue) text() (string, bool) {
	if v.StringValue != nil {
		return *v.StringValue, true
	}
	if v.StringValueSnake != nil {
		return *v.StringValueSnake, true
	}
	iv := v.IntValue
	if iv == nil {
		iv = v.IntValueSnake
	}
	if iv == nil {
		return "", false
	}
	// int64 travels as a JSON string ("8080"); numbers are accepted too.
	var s string
	if json.Unmarshal(iv, &s) != nil {
		s = string(iv)
	}
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "", false
	}
	return s, true
}
