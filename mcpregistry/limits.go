package mcpregistry

import (
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Column widths of MLflow's MCP tables. MLflow itself leaves these to the
// database (PostgreSQL rejects an over-long value with a generic error, SQLite
// silently stores it); the sidecar checks them up front so that every backend
// gets the same clear 400 and no row is ever wider than its column.
const (
	maxNameLen        = 256
	maxDisplayNameLen = 256
	maxAliasLen       = 256
	maxSourceLen      = 512
	maxURLLen         = 2048
	maxTagKeyLen      = 250
	maxTagValueLen    = 5000
	maxUserLen        = 256
)

// Sizes of the JSON documents a version stores. MLflow has no bound; every
// read of a server or version loads them, so one oversized document would
// slow every later listing. The official server.json schema makes real
// documents a few KiB, and 1,000 tools with rich schemas fit in 4 MiB.
const (
	maxServerJSONBytes = 1 << 20
	maxToolsBytes      = 4 << 20
)

func checkSize(field string, raw []byte, max int) error {
	if len(raw) > max {
		return mlflowerr.Invalid("%s is too large: %d bytes, at most %d are accepted", field, len(raw), max)
	}
	return nil
}

// checkLen counts characters (not bytes), as VARCHAR(n) does.
func checkLen(field, value string, max int) error {
	if n := utf8.RuneCountInString(value); n > max {
		return mlflowerr.Invalid("%s must be at most %d characters long, got %d", field, max, n)
	}
	return nil
}

func checkOptLen(field string, value *string, max int) error {
	if value == nil {
		return nil
	}
	return checkLen(field, *value, max)
}

func truncateUser(u *string) *string {
	// An identity from an authenticating proxy could in theory be longer
	// than the column; recording a prefix is better than failing the write.
	if u == nil || utf8.RuneCountInString(*u) <= maxUserLen {
		return u
	}
	s := []rune(*u)
	t := string(s[:maxUserLen])
	return &t
}
