package wire

import (
	"encoding/json"
	"sync"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/mcpspec"
)

// responseTools renders stored tools in the response form: always a list,
// each tool with all eight keys. Stored tools were validated on the way in
// (possibly by MLflow); a row that cannot be read is shown as stored rather
// than failing the whole response.
//
// The rendering is cached by the stored bytes: one search page shows the
// same version many times (as a server's latest and as the resolved version
// of each of its endpoints), and decoding and re-encoding tool schemas was a
// quarter of the CPU of a server search (pprof, make-bench data set).
func responseTools(stored json.RawMessage) json.RawMessage {
	if len(stored) == 0 || string(stored) == "null" {
		return json.RawMessage("[]")
	}
	if out, ok := toolCache.get(stored); ok {
		return out
	}
	tools, err := mcpspec.DecodeTools(stored)
	if err != nil {
		return stored
	}
	if tools == nil {
		return json.RawMessage("[]")
	}
	out, err := json.Marshal(tools)
	if err != nil {
		return stored
	}
	toolCache.put(stored, out)
	return out
}

// toolRenderCache is a small bounded map; when full it starts over, which
// costs one re-rendering per entry and needs no bookkeeping per hit.
type toolRenderCache struct {
	mu      sync.RWMutex
	entries map[string]json.RawMessage
	bytes   int
}

const (
	toolCacheMaxBytes = 16 << 20
	toolCacheMaxEntry = 1 << 20
)

var toolCache = &toolRenderCache{entries: map[string]json.RawMessage{}}

func (c *toolRenderCache) get(stored []byte) (json.RawMessage, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out, ok := c.entries[string(stored)] // no allocation for the lookup key
	return out, ok
}

func (c *toolRenderCache) put(stored []byte, out json.RawMessage) {
	size := len(stored) + len(out)
	if size > toolCacheMaxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+size > toolCacheMaxBytes {
		c.entries, c.bytes = map[string]json.RawMessage{}, 0
	}
	c.entries[string(stored)] = out
	c.bytes += size
}
