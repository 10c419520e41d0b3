package mlflowdb

import (
	"fmt"
	"testing"
)

func TestRewritePlaceholders(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = $1 AND b = $2", "SELECT * FROM t WHERE a = ?1 AND b = ?2"},
		{"UPDATE t SET a = $2 WHERE id = $1 OR parent = $1", "UPDATE t SET a = ?2 WHERE id = ?1 OR parent = ?1"},
		{"SELECT $10, $1", "SELECT ?10, ?1"},
		{"SELECT '$1', \"$2\", $3", "SELECT '$1', \"$2\", ?3"},
		{"SELECT 'it''s $1', $1", "SELECT 'it''s $1', ?1"},
		{"SELECT $1 -- costs $2\n, $2", "SELECT ?1 -- costs $2\n, ?2"},
		{"SELECT $ FROM t", "SELECT $ FROM t"},
		{"SELECT 'unterminated $1", "SELECT 'unterminated $1"},
	}
	for _, tt := range tests {
		if got := rewritePlaceholders(tt.in); got != tt.want {
			t.Errorf("rewritePlaceholders(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct{ in, op, summary string }{
		{"SELECT name FROM mcp_servers WHERE workspace = $1", "SELECT", "SELECT mcp_servers"},
		{"  select count(*) from \"mcp_server_versions\" v", "SELECT", "SELECT mcp_server_versions"},
		{"SELECT (SELECT max(x) FROM inner_t) FROM outer_t", "SELECT", "SELECT outer_t"},
		{"SELECT * FROM (SELECT 1) AS s", "SELECT", "SELECT"},
		{"INSERT INTO mcp_server_tags (workspace, name, key) VALUES ($1, $2, $3)", "INSERT", "INSERT mcp_server_tags"},
		{"UPDATE mcp_servers SET description = 'FROM x' WHERE name = $1", "UPDATE", "UPDATE mcp_servers"},
		{"DELETE FROM mcp_server_aliases WHERE alias = $1", "DELETE", "DELETE mcp_server_aliases"},
		{"WITH v AS (SELECT * FROM versions) UPDATE mcp_servers SET x = 1", "UPDATE", "UPDATE mcp_servers"},
		{"-- leading comment\nSELECT 1 FROM dual", "SELECT", "SELECT dual"},
		{"SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "SELECT", "SELECT"},
		{"CREATE TABLE t (a int)", "CREATE", "CREATE"},
		{"", "UNKNOWN", "UNKNOWN"},
	}
	for _, tt := range tests {
		op, summary := summarize(tt.in)
		if op != tt.op || summary != tt.summary {
			t.Errorf("summarize(%q) = %q, %q; want %q, %q", tt.in, op, summary, tt.op, tt.summary)
		}
	}
}

func TestNormaliseLocks(t *testing.T) {
	tests := []struct{ in, want []string }{
		{nil, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{"b", "a", "b", "c", "a"}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		got := normaliseLocks(tt.in)
		if len(got) != len(tt.want) {
			t.Fatalf("normaliseLocks(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("normaliseLocks(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

// TestStmtCacheIsBounded: statements whose text varies (search filters of
// every shape) must not grow the cache without bound.
func TestStmtCacheIsBounded(t *testing.T) {
	c := &stmtCache{dialect: SQLite}
	for i := 0; i < maxCachedStmts+500; i++ {
		s := c.get(fmt.Sprintf("SELECT name FROM mcp_servers WHERE created_at > $%d", i+1))
		if s.sqlite == "" {
			t.Fatalf("statement %d not prepared", i)
		}
	}
	stored := 0
	c.m.Range(func(any, any) bool { stored++; return true })
	if stored > maxCachedStmts || c.n.Load() != int64(stored) {
		t.Fatalf("cache holds %d statements (counter %d), bound %d", stored, c.n.Load(), maxCachedStmts)
	}
}
