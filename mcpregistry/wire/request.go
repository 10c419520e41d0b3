package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Pydantic's messages, which MLflow returns behind "Invalid request:".
const (
	msgRequired = "Field required"
	msgString   = "Input should be a valid string"
	msgBool     = "Input should be a valid boolean"
	msgList     = "Input should be a valid list"
	msgObject   = "Input should be a valid dictionary or object to extract fields from"
	msgDict     = "Input should be a valid dictionary"
)

// Body is a JSON object request body being validated field by field, in the
// order MLflow's request model declares its fields, so that the combined
// "Invalid request: ..." message lists problems in MLflow's order.
type Body struct {
	fields map[string]json.RawMessage
	issues []mlflowerr.Issue
}

// ReadBody reads and checks a request body: present, within the size limit
// (set by the caller with http.MaxBytesReader), valid UTF-8, valid JSON
// without duplicate keys, and an object.
func ReadBody(r *http.Request) (*Body, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, mlflowerr.TooLarge("Request body is too large: the limit is %d bytes", tooBig.Limit)
		}
		return nil, mlflowerr.Invalid("Invalid request: could not read the request body: %v", err)
	}
	return ParseBody(data)
}

// ParseBody is ReadBody on bytes already read.
func ParseBody(data []byte) (*Body, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, mlflowerr.InvalidRequest(mlflowerr.Issue{Msg: msgRequired})
	}
	if !utf8.Valid(data) {
		return nil, mlflowerr.Invalid("Invalid request: the body is not valid UTF-8")
	}
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, mlflowerr.InvalidRequest(mlflowerr.Issue{Msg: msgObject})
	}
	return &Body{fields: fields}, nil
}

// maxJSONDepth bounds nesting so that a hostile body cannot exhaust the stack.
const maxJSONDepth = 256

// CheckJSON reports a syntax error (with MLflow's "<position>: JSON decode
// error" location), nesting deeper than maxJSONDepth, or a key that appears
// twice in one object: Python's json (and Go's) would silently keep the last
// one, hiding a client bug.
func CheckJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := checkValue(dec, "", 0)
	if err == nil {
		if _, tokErr := dec.Token(); tokErr != io.EOF {
			err = decodeError(dec, tokErr)
		}
	}
	var pe *posError
	if errors.As(err, &pe) {
		// Python's json reports a character position: the end of the input
		// when it ran out, else where the offending character is.
		pos := int(pe.offset)
		if pe.eof || pos > len(data) {
			pos = len(data)
		}
		return mlflowerr.InvalidRequest(mlflowerr.Issue{
			Loc: strconv.Itoa(utf8.RuneCount(data[:pos])), Msg: "JSON decode error"})
	}
	return err
}

// posError is a syntax error at a byte offset, turned into MLflow's
// character position by CheckJSON.
type posError struct {
	offset int64
	eof    bool
}

func (e *posError) Error() string { return "JSON decode error" }

func checkValue(dec *json.Decoder, path string, depth int) error {
	if depth > maxJSONDepth {
		return mlflowerr.InvalidRequest(mlflowerr.Issue{Loc: path, Msg: fmt.Sprintf("JSON nesting deeper than %d levels", maxJSONDepth)})
	}
	tok, err := dec.Token()
	if err != nil {
		return decodeError(dec, err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		if s, isStr := tok.(string); isStr && strings.IndexByte(s, 0) >= 0 {
			return nulError(path)
		}
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return decodeError(dec, err)
			}
			k, _ := kt.(string)
			loc := joinLoc(path, k)
			if strings.IndexByte(k, 0) >= 0 {
				return nulError(path)
			}
			if seen[k] {
				return mlflowerr.InvalidRequest(mlflowerr.Issue{Loc: loc, Msg: "Duplicate key in JSON object"})
			}
			seen[k] = true
			if err := checkValue(dec, loc, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := checkValue(dec, joinLoc(path, strconv.Itoa(i)), depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return decodeError(dec, err)
	}
	return nil
}

// nulError refuses a NUL character: PostgreSQL cannot store one in text, and
// no name, version, tag or description needs it.
func nulError(loc string) error {
	return mlflowerr.InvalidRequest(mlflowerr.Issue{Loc: loc, Msg: "NUL characters (\\u0000) are not allowed in strings"})
}

func decodeError(dec *json.Decoder, err error) error {
	pos := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		pos = se.Offset // the decoder's offset is the offending byte's index
	}
	return &posError{offset: pos, eof: errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)}
}

func joinLoc(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// Err returns the collected issues as MLflow's "Invalid request: ..." error.
func (b *Body) Err() error {
	if len(b.issues) == 0 {
		return nil
	}
	return mlflowerr.InvalidRequest(b.issues...)
}

func (b *Body) issue(loc, msg string) {
	b.issues = append(b.issues, mlflowerr.Issue{Loc: loc, Msg: msg})
}

// Has reports whether the key is present (even as null).
func (b *Body) Has(name string) bool { _, ok := b.fields[name]; return ok }

// String is a required, non-null string field.
func (b *Body) String(name string) string {
	raw, ok := b.fields[name]
	if !ok {
		b.issue(name, msgRequired)
		return ""
	}
	var s string
	if !isString(raw) || json.Unmarshal(raw, &s) != nil {
		b.issue(name, msgString)
	}
	return s
}

// OptString is an optional string that may not be null when present (a
// field with a non-null default, such as status).
func (b *Body) OptString(name string) *string {
	raw, ok := b.fields[name]
	if !ok {
		return nil
	}
	var s string
	if !isString(raw) || json.Unmarshal(raw, &s) != nil {
		b.issue(name, msgString)
		return nil
	}
	return &s
}

// NullableString is an optional string that may be null.
func (b *Body) NullableString(name string) mcpregistry.Field[string] {
	raw, ok := b.fields[name]
	if !ok {
		return mcpregistry.Field[string]{}
	}
	if isNullRaw(raw) {
		return mcpregistry.Field[string]{Set: true}
	}
	var s string
	if !isString(raw) || json.Unmarshal(raw, &s) != nil {
		b.issue(name, msgString)
		return mcpregistry.Field[string]{}
	}
	return mcpregistry.Field[string]{Set: true, Value: &s}
}

// Object is a required JSON object field, returned raw.
func (b *Body) Object(name string) json.RawMessage {
	raw, ok := b.fields[name]
	if !ok {
		b.issue(name, msgRequired)
		return nil
	}
	if firstByte(raw) != '{' {
		b.issue(name, msgObject)
		return nil
	}
	return raw
}

// NullableList is an optional list that may be null; the raw JSON is kept
// for the domain's own element validation.
func (b *Body) NullableList(name string) mcpregistry.Field[json.RawMessage] {
	raw, ok := b.fields[name]
	if !ok {
		return mcpregistry.Field[json.RawMessage]{}
	}
	if isNullRaw(raw) {
		return mcpregistry.Field[json.RawMessage]{Set: true}
	}
	if firstByte(raw) != '[' {
		b.issue(name, msgList)
		return mcpregistry.Field[json.RawMessage]{}
	}
	return mcpregistry.Field[json.RawMessage]{Set: true, Value: &raw}
}

// Bool is an optional boolean (false when absent or null), read as
// Pydantic's lax mode reads one: JSON booleans, 0 and 1, and the strings
// "true"/"false", "1"/"0", "yes"/"no", "on"/"off", "t"/"f", "y"/"n" in any case.
func (b *Body) Bool(name string) bool {
	raw, ok := b.fields[name]
	if !ok || isNullRaw(raw) {
		return false
	}
	text := string(bytes.TrimSpace(raw))
	if isString(raw) {
		var s string
		_ = json.Unmarshal(raw, &s)
		text = strings.ToLower(s)
	}
	switch text {
	case "true", "1", "1.0", "yes", "on", "t", "y":
		return true
	case "false", "0", "0.0", "no", "off", "f", "n":
		return false
	}
	b.issue(name, msgBool)
	return false
}

// Forbid rejects a read-only field that must not be sent at all.
func (b *Body) Forbid(name, msg string) {
	if _, ok := b.fields[name]; ok {
		b.issue("", "Value error, "+msg)
	}
}

func firstByte(raw json.RawMessage) byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

func isString(raw json.RawMessage) bool { return firstByte(raw) == '"' }
func isNullRaw(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// LastQuery is a single-valued query parameter as Starlette reads it: the
// last of repeated values; nil when absent.
func LastQuery(q url.Values, name string) *string {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return nil
	}
	return &vs[len(vs)-1]
}

// QueryMaxResults reads max_results: nil when absent (the default applies),
// MLflow's 400 when present but not an integer (an empty value included).
func QueryMaxResults(q url.Values) (*int, error) {
	raw := LastQuery(q, "max_results")
	if raw == nil {
		return nil, nil
	}
	return ParseMaxResults(*raw)
}

// ParseMaxResults parses the max_results query parameter as Pydantic does
// for an int field.
func ParseMaxResults(q string) (*int, error) {
	n, err := strconv.Atoi(q)
	if err != nil {
		return nil, mlflowerr.InvalidRequest(mlflowerr.Issue{Loc: "query.max_results",
			Msg: "Input should be a valid integer, unable to parse string as an integer"})
	}
	return &n, nil
}
