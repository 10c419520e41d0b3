package discover

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Changes is how one tool list differs from another, by tool name.
type Changes struct {
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
	Changed   []string `json:"changed"`
	Unchanged int      `json:"unchanged"`
}

// Empty reports identical lists.
func (c Changes) Empty() bool { return len(c.Added)+len(c.Removed)+len(c.Changed) == 0 }

// Diff compares a version's stored tools (as the registry returns them:
// every key present, null when unset) with discovered ones. Null keys and
// key order do not count as differences. Names are reported sorted.
func Diff(stored, discovered json.RawMessage) (Changes, error) {
	old, err := byName(stored)
	if err != nil {
		return Changes{}, fmt.Errorf("stored tools: %w", err)
	}
	cur, err := byName(discovered)
	if err != nil {
		return Changes{}, fmt.Errorf("discovered tools: %w", err)
	}
	var c Changes
	for name, v := range cur {
		switch o, ok := old[name]; {
		case !ok:
			c.Added = append(c.Added, name)
		case !bytes.Equal(o, v):
			c.Changed = append(c.Changed, name)
		default:
			c.Unchanged++
		}
	}
	for name := range old {
		if _, ok := cur[name]; !ok {
			c.Removed = append(c.Removed, name)
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Removed)
	slices.Sort(c.Changed)
	return c, nil
}

// byName maps each tool's name to a canonical encoding: keys sorted, null
// members dropped at the top level (where the registry fills them in).
func byName(list json.RawMessage) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(bytes.TrimSpace(list)) == 0 || bytes.Equal(bytes.TrimSpace(list), []byte("null")) {
		return out, nil
	}
	var tools []map[string]json.RawMessage
	if err := json.Unmarshal(list, &tools); err != nil {
		return nil, err
	}
	for i, t := range tools {
		var name string
		if err := json.Unmarshal(t["name"], &name); err != nil {
			return nil, fmt.Errorf("tool %d has no string name", i)
		}
		canon := map[string]any{}
		for k, raw := range t {
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("tool %q key %q: %w", name, k, err)
			}
			if v != nil {
				canon[k] = v
			}
		}
		b, err := json.Marshal(canon)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}
