package mcpspec

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// fieldType is the Python annotation of a model field, as far as validation
// and dumping differ.
type fieldType uint8

const (
	typeStr       fieldType = iota // str
	typeBool                       // bool (lax: "yes", 1, 0.0, ...)
	typeAny                        // Any: kept as sent
	typeDict                       // dict[str, Any]
	typeModel                      // a nested model
	typeModelList                  // list[model]
	typeStrList                    // list[str]
	typeIconList                   // list[MCPIconRequestPayload], max 100 items
)

// field is one declared field. Optional fields are `X | None = None`
// (JSON null accepted); required ones have no default.
type field struct {
	name     string
	alias    string // looked up before name (populate_by_name); "" = name
	typ      fieldType
	required bool
	model    *modelDef
}

func (f *field) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

// modelDef is a Pydantic model: its class name (it appears in messages),
// fields in declaration order, and what its dump keeps.
type modelDef struct {
	class string
	// extra: unknown keys are kept and dumped after the declared fields
	// (extra="allow"); otherwise they are dropped (Pydantic's default).
	extra bool
	// dropNulls dumps with exclude_none (tools); otherwise exclude_unset,
	// which keeps explicit nulls (server_json).
	dropNulls bool
	fields    []field
}

// Pydantic's messages.
const (
	msgRequired = "Field required"
	msgString   = "Input should be a valid string"
	msgList     = "Input should be a valid list"
	msgDict     = "Input should be a valid dictionary"
	msgBool     = "Input should be a valid boolean"
	msgBoolText = "Input should be a valid boolean, unable to interpret input"
)

func msgModel(class string) string {
	return "Input should be a valid dictionary or instance of " + class
}

func msgTooLong(max, got int) string {
	return "List should have at most " + strconv.Itoa(max) + " items after validation, not " + strconv.Itoa(got)
}

// model validates v against def; ok is false if any issue was found in the
// subtree, in which case out is meaningless.
func (w *walker) model(def *modelDef, v *value, loc string) (out value, ok bool) {
	if v.kind != kindObject {
		w.issue(loc, msgModel(def.class))
		return value{}, false
	}
	start := len(w.issues)
	used := make([]bool, len(v.members))
	out = value{kind: kindObject, members: []member{}}
	for i := range def.fields {
		f := &def.fields[i]
		idx := memberIndex(v, f.key())
		if idx < 0 && f.alias != "" {
			idx = memberIndex(v, f.name)
		}
		if idx < 0 {
			if f.required {
				w.issue(joinLoc(loc, f.key()), msgRequired)
			}
			continue
		}
		used[idx] = true
		got := &v.members[idx]
		val, fine := w.field(f, &got.val, joinLoc(loc, got.key))
		if fine && !(def.dropNulls && val.kind == kindNull) {
			out.members = append(out.members, member{key: f.key(), val: val})
		}
	}
	if def.extra {
		for i, m := range v.members {
			if !used[i] {
				out.members = append(out.members, m)
			}
		}
	}
	return out, len(w.issues) == start
}

func memberIndex(v *value, key string) int {
	for i := range v.members {
		if v.members[i].key == key {
			return i
		}
	}
	return -1
}

func (w *walker) field(f *field, v *value, loc string) (value, bool) {
	if v.kind == kindNull && !f.required && f.typ != typeAny {
		return *v, true
	}
	switch f.typ {
	case typeAny:
		return *v, true
	case typeStr:
		if v.kind != kindString {
			w.issue(loc, msgString)
			return value{}, false
		}
		return *v, true
	case typeBool:
		b, msg := laxBool(v)
		if msg != "" {
			w.issue(loc, msg)
			return value{}, false
		}
		return value{kind: kindBool, boolean: b}, true
	case typeDict:
		if v.kind != kindObject {
			w.issue(loc, msgDict)
			return value{}, false
		}
		return *v, true
	case typeModel:
		return w.model(f.model, v, loc)
	case typeStrList:
		return w.strList(v, loc)
	case typeModelList:
		return w.list(v, loc, 0, func(item *value, loc string) (value, bool) { return w.model(f.model, item, loc) })
	default: // typeIconList
		return w.list(v, loc, MaxIcons, w.icon)
	}
}

// list validates items in order. With a maximum, Pydantic validates items
// until it has counted one too many, then replaces the list's item issues
// with a single "too long" issue; validator failures raised while getting
// there still count.
func (w *walker) list(v *value, loc string, max int, item func(*value, string) (value, bool)) (value, bool) {
	if v.kind != kindArray {
		w.issue(loc, msgList)
		return value{}, false
	}
	start := len(w.issues)
	out := value{kind: kindArray, items: make([]value, 0, len(v.items))}
	for i := range v.items {
		val, _ := item(&v.items[i], indexLoc(loc, i))
		out.items = append(out.items, val)
		if max > 0 && i+1 > max {
			w.issues = w.issues[:start]
			w.issue(loc, msgTooLong(max, len(v.items)))
			return value{}, false
		}
	}
	return out, len(w.issues) == start
}

func (w *walker) strList(v *value, loc string) (value, bool) {
	if v.kind != kindArray {
		w.issue(loc, msgList)
		return value{}, false
	}
	ok := true
	for i := range v.items {
		if v.items[i].kind != kindString {
			w.issue(indexLoc(loc, i), msgString)
			ok = false
		}
	}
	return *v, ok
}

// laxBool is Pydantic's lax bool validation of a JSON value: true/false;
// the strings 0/1, f/t, n/y, no/yes, off/on, false/true in any case; the
// numbers 0 and 1 (also 0.0 and 1.0). Other numbers that are whole are
// "unable to interpret"; everything else is not a boolean at all.
func laxBool(v *value) (bool, string) {
	switch v.kind {
	case kindBool:
		return v.boolean, ""
	case kindString:
		switch asciiLower(v.text) {
		case "0", "f", "n", "no", "off", "false":
			return false, ""
		case "1", "t", "y", "on", "yes", "true":
			return true, ""
		}
		return false, msgBoolText
	case kindNumber:
		return numberBool(v.text)
	}
	return false, msgBool
}

func numberBool(text string) (bool, string) {
	if !strings.ContainsAny(text, ".eE") {
		// A Python int: outside int64 Pydantic tries it as a float and,
		// too large for an int64 there too, gives up on it as a boolean.
		n, ok := new(big.Int).SetString(text, 10)
		if !ok || !n.IsInt64() {
			return false, msgBool
		}
		return intBool(n.Int64())
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || f != math.Trunc(f) || f <= math.MinInt64 || f >= math.MaxInt64 {
		return false, msgBool
	}
	return intBool(int64(f))
}

func intBool(n int64) (bool, string) {
	switch n {
	case 0:
		return false, ""
	case 1:
		return true, ""
	}
	return false, msgBoolText
}

// asciiLower folds ASCII letters only, as Rust's eq_ignore_ascii_case
// (Pydantic's comparison) does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
