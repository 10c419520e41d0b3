package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Catalog is a normalised description of a database's tables: for each
// table, lines for its columns (position, name, type, nullability, default),
// constraints (name, columns, referenced table and columns, ON UPDATE/DELETE),
// indexes (name, columns, DESC) and triggers. Two databases with equal
// catalogs have the same schema as far as the sidecar or MLflow can tell.
type Catalog map[string][]string

// Select keeps the tables for which keep is true.
func (c Catalog) Select(keep func(table string) bool) Catalog {
	out := Catalog{}
	for name, lines := range c {
		if keep(name) {
			out[name] = lines
		}
	}
	return out
}

// Diff describes how other differs from c, or returns "" when they are equal.
func (c Catalog) Diff(other Catalog) string {
	var b strings.Builder
	names := slices.Sorted(maps.Keys(c))
	for _, n := range slices.Sorted(maps.Keys(other)) {
		if _, ok := c[n]; !ok {
			names = append(names, n)
		}
	}
	for _, n := range names {
		a, okA := c[n]
		o, okO := other[n]
		switch {
		case !okO:
			fmt.Fprintf(&b, "table %s: only in the first catalog\n", n)
		case !okA:
			fmt.Fprintf(&b, "table %s: only in the second catalog\n", n)
		default:
			changed := false
			for _, l := range a {
				if !slices.Contains(o, l) {
					changed = true
					fmt.Fprintf(&b, "table %s: - %s\n", n, l)
				}
			}
			for _, l := range o {
				if !slices.Contains(a, l) {
					changed = true
					fmt.Fprintf(&b, "table %s: + %s\n", n, l)
				}
			}
			if !changed && !slices.Equal(a, o) {
				fmt.Fprintf(&b, "table %s: same lines in another order\n", n)
			}
		}
	}
	return b.String()
}

// ReadCatalog reads the catalog of uri's schema (PostgreSQL) or file (SQLite).
func ReadCatalog(t testing.TB, uri mlflowdb.URI) Catalog {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var c Catalog
	err := withRawSQL(ctx, uri, func(db *sql.DB) (err error) {
		if uri.Dialect == mlflowdb.Postgres {
			c, err = postgresCatalog(ctx, db)
		} else {
			c, err = sqliteCatalog(ctx, db)
		}
		return err
	})
	if err != nil {
		t.Fatalf("dbtest: reading the catalog of %s: %v", uri.Redacted(), err)
	}
	return c
}

// TableChecksums returns, per table, a checksum of all its rows independent
// of row order, to prove that rows were left alone.
func TableChecksums(t testing.TB, uri mlflowdb.URI, tables []string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sums := map[string]string{}
	err := withRawSQL(ctx, uri, func(db *sql.DB) error {
		for _, table := range tables {
			sum, err := tableChecksum(ctx, db, table)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			sums[table] = sum
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dbtest: checksumming %s: %v", uri.Redacted(), err)
	}
	return sums
}

func tableChecksum(ctx context.Context, db *sql.DB, table string) (string, error) {
	// Table names come from the catalog, not from input; quote them anyway.
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var rendered []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprintf("%T:%v", v, v)
		}
		rendered = append(rendered, strings.Join(parts, "\x1f"))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	slices.Sort(rendered)
	h := sha256.Sum256([]byte(strings.Join(rendered, "\x1e")))
	return fmt.Sprintf("%d rows, sha256 %s", len(rendered), hex.EncodeToString(h[:])), nil
}

func withRawSQL(ctx context.Context, uri mlflowdb.URI, fn func(*sql.DB) error) error {
	db, err := mlflowdb.OpenSQL(uri)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one session, one search_path
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	return fn(db)
}

// queryStrings runs a query whose columns are all rendered as text.
func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
			if !v.Valid {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

var (
	spaces      = regexp.MustCompile(`\s+`)
	punctSpaces = regexp.MustCompile(`\s*([(),])\s*`)
)

// normaliseSQL makes DDL text comparable across formatting: whitespace runs
// become one space and none is kept around parentheses and commas.
func normaliseSQL(s string) string {
	return strings.TrimSpace(punctSpaces.ReplaceAllString(spaces.ReplaceAllString(s, " "), "$1"))
}
