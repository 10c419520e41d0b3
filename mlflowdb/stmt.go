package mlflowdb

import (
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// stmt is what the adapters need to know about one SQL text. It is computed
// once per distinct text. SQL is built only from the calling package's
// constants, but search statements vary with the shape of a filter, so the
// cache is bounded: past maxCachedStmts texts, new ones are computed per call.
type stmt struct {
	sqlite   string // the text with $N rewritten to ?N
	summary  string // "SELECT mcp_servers": span name and db.query.summary
	spanOpts []trace.SpanStartOption
	attrs    attribute.Set // metric attributes
}

type stmtCache struct {
	dialect Dialect
	m       sync.Map // string -> *stmt
	n       atomic.Int64
}

const maxCachedStmts = 4096

func (c *stmtCache) get(sql string) *stmt {
	if s, ok := c.m.Load(sql); ok {
		return s.(*stmt)
	}
	op, summary := summarize(sql)
	system := attribute.String("db.system", c.dialect.String())
	s := &stmt{summary: summary}
	if c.dialect == SQLite {
		s.sqlite = rewritePlaceholders(sql)
	}
	s.spanOpts = []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(system,
			attribute.String("db.operation.name", op),
			attribute.String("db.query.summary", summary)),
	}
	s.attrs = attribute.NewSet(system, attribute.String("db.operation.name", op))
	if c.n.Load() >= maxCachedStmts {
		return s
	}
	actual, loaded := c.m.LoadOrStore(sql, s)
	if !loaded {
		c.n.Add(1)
	}
	return actual.(*stmt)
}

// rewritePlaceholders turns PostgreSQL's $N into SQLite's ?N, which also binds
// by number. String literals, quoted identifiers and comments are copied as
// they are.
func rewritePlaceholders(sql string) string {
	if !strings.Contains(sql, "$") {
		return sql
	}
	var b strings.Builder
	b.Grow(len(sql))
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(sql[i+1:], c)
			if end < 0 {
				b.WriteString(sql[i:])
				return b.String()
			}
			b.WriteString(sql[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				b.WriteString(sql[i:])
				return b.String()
			}
			b.WriteString(sql[i : i+end+1])
			i += end
		case c == '$' && i+1 < len(sql) && isDigit(sql[i+1]):
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// summarize returns the statement's operation and a low-cardinality summary
// ("INSERT mcp_servers") for span names and metric attributes. It reads only
// keywords and the first table name, never literals.
func summarize(sql string) (op, summary string) {
	words := sqlWords(sql)
	if len(words) == 0 {
		return "UNKNOWN", "UNKNOWN"
	}
	op = strings.ToUpper(words[0].text)
	start := 0
	if op == "WITH" {
		// The statement's verb is the first one outside the CTE parentheses.
		for i, w := range words {
			if w.depth == 0 && i > 0 && isVerb(strings.ToUpper(w.text)) {
				op, start = strings.ToUpper(w.text), i
				break
			}
		}
	}
	var after string
	switch op {
	case "SELECT", "DELETE":
		after = "FROM"
	case "INSERT", "REPLACE":
		after = "INTO"
	case "UPDATE":
		after = "UPDATE"
	default:
		return op, op
	}
	for i := start; i+1 < len(words); i++ {
		w := words[i]
		if w.depth == words[start].depth && strings.EqualFold(w.text, after) && words[i+1].depth == w.depth {
			next := words[i+1].text
			if isIdentifier(next) {
				return op, op + " " + strings.Trim(next, `"`)
			}
			break
		}
	}
	return op, op
}

func isVerb(w string) bool {
	switch w {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE":
		return true
	}
	return false
}

func isIdentifier(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c == '_' || c == '"' || c == '.' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return w != ""
}

type sqlWord struct {
	text  string
	depth int
}

// sqlWords splits SQL into bare or double-quoted words with their
// parenthesis depth, skipping string literals and comments.
func sqlWords(sql string) []sqlWord {
	var words []sqlWord
	depth := 0
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case c == '\'':
			end := strings.IndexByte(sql[i+1:], '\'')
			if end < 0 {
				return words
			}
			i += end + 2
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				return words
			}
			i += end + 1
		case c == '"' || c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z':
			j := i + 1
			if c == '"' {
				end := strings.IndexByte(sql[j:], '"')
				if end < 0 {
					return words
				}
				j += end + 1
			}
			for j < len(sql) && (sql[j] == '_' || sql[j] == '.' || isDigit(sql[j]) || sql[j]|0x20 >= 'a' && sql[j]|0x20 <= 'z') {
				j++
			}
			words = append(words, sqlWord{text: sql[i:j], depth: depth})
			i = j
		default:
			i++
		}
	}
	return words
}
