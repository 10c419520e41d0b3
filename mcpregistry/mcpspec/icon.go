package mcpspec

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// MaxIcons is MLflow's limit on every icon list.
const MaxIcons = 100

// Icon is an MCP icon (server icons, server_json.icons, tool icons).
// Unknown keys are kept, in the order they came, and serialised first:
// MLflow's icon serialiser writes them before src, sizes, mimeType, theme,
// and omits the known keys that are null.
type Icon struct {
	Src      string
	Sizes    []string // nil when absent or null
	MimeType *string
	Theme    *string
	Extra    []ExtraField
}

// ExtraField is an unknown key of an MCP object and its JSON value.
type ExtraField struct {
	Key   string
	Value json.RawMessage
}

// iconFields are the declared keys of MLflow's icon model.
var iconFields = [...]string{"src", "sizes", "mimeType", "theme"}

func isIconField(k string) bool {
	for _, f := range iconFields {
		if f == k {
			return true
		}
	}
	return false
}

// icon validates one icon in MLflow's field order (src, sizes, mimeType,
// theme), recording the src and mimeType validators as steps, and returns
// the icon's stored form.
func (w *walker) icon(v *value, loc string) (value, bool) {
	if v.kind != kindObject {
		w.issue(loc, msgModel("MCPIconRequestPayload"))
		return value{}, false
	}
	start := len(w.issues)
	out := value{kind: kindObject}
	for _, m := range v.members {
		if !isIconField(m.key) {
			out.members = append(out.members, m)
		}
	}
	src, ok := v.get("src")
	switch {
	case !ok:
		w.issue(joinLoc(loc, "src"), msgRequired)
	case src.kind != kindString:
		w.issue(joinLoc(loc, "src"), msgString)
	default:
		w.checkSrc(src.text)
		out.members = append(out.members, member{key: "src", val: *src})
	}
	if sizes, ok := v.get("sizes"); ok && sizes.kind != kindNull {
		if val, fine := w.strList(sizes, joinLoc(loc, "sizes")); fine {
			out.members = append(out.members, member{key: "sizes", val: val})
		}
	}
	if mt, ok := v.get("mimeType"); ok && mt.kind != kindNull {
		if mt.kind != kindString {
			w.issue(joinLoc(loc, "mimeType"), msgString)
		} else {
			normalised := pyLower(pyStrip(mt.text))
			if !strings.HasPrefix(normalised, "image/") || normalised == "image/" {
				w.raise(mlflowerr.Invalid("Invalid icon mimeType %s. Allowed values must use the 'image/*' media type.", pyRepr(mt.text)))
			}
			out.members = append(out.members, member{key: "mimeType", val: value{kind: kindString, text: normalised}})
		}
	}
	if th, ok := v.get("theme"); ok && th.kind != kindNull {
		if th.kind != kindString {
			w.issue(joinLoc(loc, "theme"), msgString)
		} else {
			out.members = append(out.members, member{key: "theme", val: *th})
		}
	}
	if !w.policy.LenientSpec {
		w.iconSpec(v, loc)
	}
	return out, len(w.issues) == start
}

// iconSpec is the stricter rule MLflow lacks (COMPATIBILITY.md): the MCP
// specification (2025-11-25) allows only "light" and "dark" as theme, and
// sizes of the form "<width>x<height>" or "any". Its failures count only
// if MLflow's checks of the whole request pass.
func (w *walker) iconSpec(v *value, loc string) {
	if sizes, ok := v.get("sizes"); ok && sizes.kind == kindArray {
		for i, s := range sizes.items {
			if s.kind == kindString && !validIconSize(s.text) {
				w.spec = append(w.spec, mlflowerr.Invalid("Invalid icon size %s at %s. Allowed values: 'any' or '<width>x<height>' such as '48x48'.",
					pyRepr(s.text), indexLoc(joinLoc(loc, "sizes"), i)))
			}
		}
	}
	if th, ok := v.get("theme"); ok && th.kind == kindString && th.text != "light" && th.text != "dark" {
		w.spec = append(w.spec, mlflowerr.Invalid("Invalid icon theme %s at %s. Allowed values: 'light', 'dark'.", pyRepr(th.text), joinLoc(loc, "theme")))
	}
}

func validIconSize(s string) bool {
	if s == "any" {
		return true
	}
	wd, ht, ok := strings.Cut(s, "x")
	return ok && allDigits(wd) && allDigits(ht)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var defaultPolicy = &IconPolicy{}

func policyOrDefault(p *IconPolicy) *IconPolicy {
	if p == nil {
		return defaultPolicy
	}
	return p
}

// validateList parses raw as an optional list of items at loc (a request
// field such as "icons" or "tools"), validates it, and returns its stored
// form; null (or empty raw) gives nil.
func validateList(ctx context.Context, raw json.RawMessage, loc string, policy *IconPolicy,
	max int, item func(*walker) func(*value, string) (value, bool)) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := parseDocument(raw, loc)
	if err != nil || v.kind == kindNull {
		return nil, err
	}
	w := newWalker(policyOrDefault(policy))
	out, _ := w.list(&v, loc, max, item(w))
	if err := w.finish(ctx); err != nil {
		return nil, err
	}
	return out.raw(), nil
}

// CanonicalIcons validates an icon list sent at loc ("icons" for servers)
// and returns the JSON MLflow stores: nil for null, "[]" for an empty list.
func CanonicalIcons(ctx context.Context, raw json.RawMessage, loc string, policy *IconPolicy) (json.RawMessage, error) {
	return validateList(ctx, raw, loc, policy, MaxIcons, func(w *walker) func(*value, string) (value, bool) { return w.icon })
}

// ParseIcons is CanonicalIcons returning typed icons: nil for null, an
// empty non-nil slice for [].
func ParseIcons(ctx context.Context, raw json.RawMessage, loc string, policy *IconPolicy) ([]Icon, error) {
	stored, err := CanonicalIcons(ctx, raw, loc, policy)
	if err != nil || stored == nil {
		return nil, err
	}
	return DecodeIcons(stored)
}

// DecodeIcons reads a stored icon list without validating it (stored data
// was validated on the way in, possibly by MLflow itself). nil or JSON null
// gives nil.
func DecodeIcons(stored []byte) ([]Icon, error) { return decodeList(stored, "icons", iconFromValue) }

// decodeList reads stored JSON that is null or an array of items.
func decodeList[T any](stored []byte, what string, item func(*value) (T, error)) ([]T, error) {
	if len(stored) == 0 {
		return nil, nil
	}
	v, err := parseDocument(stored, what)
	if err != nil {
		// Stored data is ours, not the client's: not a client error kind.
		return nil, fmt.Errorf("stored %s: %v", what, err)
	}
	return listFromValue(&v, what, item)
}

func listFromValue[T any](v *value, what string, item func(*value) (T, error)) ([]T, error) {
	switch v.kind {
	case kindNull:
		return nil, nil
	case kindArray:
	default:
		return nil, fmt.Errorf("stored %s are a JSON %s, not an array", what, v.kind.typeName())
	}
	out := make([]T, 0, len(v.items))
	for i := range v.items {
		x, err := item(&v.items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func iconFromValue(v *value) (Icon, error) {
	if v.kind != kindObject {
		return Icon{}, fmt.Errorf("stored icon is a JSON %s, not an object", v.kind.typeName())
	}
	var ic Icon
	for _, m := range v.members {
		switch {
		case m.key == "src" && m.val.kind == kindString:
			ic.Src = m.val.text
		case m.key == "sizes" && m.val.kind == kindArray:
			ic.Sizes = make([]string, 0, len(m.val.items))
			for _, s := range m.val.items {
				ic.Sizes = append(ic.Sizes, s.text)
			}
		case m.key == "mimeType" && m.val.kind == kindString:
			ic.MimeType = &m.val.text
		case m.key == "theme" && m.val.kind == kindString:
			ic.Theme = &m.val.text
		case !isIconField(m.key):
			ic.Extra = append(ic.Extra, ExtraField{Key: m.key, Value: m.val.raw()})
		}
	}
	return ic, nil
}

// MarshalJSON writes MLflow's icon form: unknown keys first, then src,
// sizes, mimeType and theme, leaving out the unset ones.
func (ic Icon) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for _, x := range ic.Extra {
		b = appendString(b, x.Key)
		b = append(b, ':')
		var err error
		if b, err = appendCompact(b, x.Value); err != nil {
			return nil, err
		}
		b = append(b, ',')
	}
	b = append(b, `"src":`...)
	b = appendString(b, ic.Src)
	if ic.Sizes != nil {
		b = append(b, `,"sizes":[`...)
		for i, s := range ic.Sizes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	if ic.MimeType != nil {
		b = append(b, `,"mimeType":`...)
		b = appendString(b, *ic.MimeType)
	}
	if ic.Theme != nil {
		b = append(b, `,"theme":`...)
		b = appendString(b, *ic.Theme)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an icon as DecodeIcons does (no validation).
func (ic *Icon) UnmarshalJSON(data []byte) error {
	v, err := parseDocument(data, "icon")
	if err != nil {
		return fmt.Errorf("icon: %v", err)
	}
	*ic, err = iconFromValue(&v)
	return err
}

// appendCompact appends raw JSON compactly; empty raw is null.
func appendCompact(b []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(b, "null"...), nil
	}
	v, err := parseDocument(raw, "")
	if err != nil {
		return nil, fmt.Errorf("invalid JSON value: %v", err)
	}
	return v.appendJSON(b), nil
}
