package wire

import (
	"bytes"
	"encoding/json"
)

// Patch is one field of a merge-patch request body, as MLflow's PATCH routes
// read it: absent (the zero value: leave the field unchanged), explicit null
// (clear it) or a value (set it). Declare such fields with `json:",omitzero"`
// so that an absent Patch is left out of the body.
type Patch[T any] struct {
	state patchState
	value T
}

type patchState uint8

const (
	patchAbsent patchState = iota
	patchNull
	patchValue
)

// Value returns a Patch that sets the field to v.
func Value[T any](v T) Patch[T] { return Patch[T]{state: patchValue, value: v} }

// Null returns a Patch that sends an explicit JSON null (clears the field).
func Null[T any]() Patch[T] { return Patch[T]{state: patchNull} }

// IsZero reports an absent field; encoding/json's omitzero calls it.
func (p Patch[T]) IsZero() bool { return p.state == patchAbsent }

// IsNull reports an explicit null.
func (p Patch[T]) IsNull() bool { return p.state == patchNull }

// Get returns the value and whether one is set (false for absent and null).
func (p Patch[T]) Get() (T, bool) { return p.value, p.state == patchValue }

// MarshalJSON writes null or the value. An absent Patch that is not omitted
// (a field declared without omitzero) is written as null too.
func (p Patch[T]) MarshalJSON() ([]byte, error) {
	if p.state != patchValue {
		return []byte("null"), nil
	}
	return json.Marshal(p.value)
}

// UnmarshalJSON reads a present key: null or a value. Absent keys never
// reach it, so they stay the zero (absent) Patch.
func (p *Patch[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*p = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*p = Value(v)
	return nil
}
