package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

const (
	pgTablesSQL = `SELECT c.oid::text, c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname`
	pgColumnsSQL = `SELECT a.attnum::text, a.attname, format_type(a.atttypid, a.atttypmod),
	CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END, COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
	pgConstraintsSQL = `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::oid ORDER BY conname`
	pgIndexesSQL     = `SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = $1::oid ORDER BY i.relname`
	pgTriggersSQL = `SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal ORDER BY tgname`
)

func postgresCatalog(ctx context.Context, db *sql.DB) (Catalog, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, err
	}
	// Definitions name objects of the schema with or without qualification
	// depending on search_path; two schemas compare equal only without it.
	unqualify := strings.NewReplacer(`"`+schema+`".`, "", schema+".", "")
	tables, err := queryStrings(ctx, db, pgTablesSQL)
	if err != nil {
		return nil, err
	}
	c := Catalog{}
	for _, tbl := range tables {
		oid, name := tbl[0], tbl[1]
		var lines []string
		cols, err := queryStrings(ctx, db, pgColumnsSQL, oid)
		if err != nil {
			return nil, err
		}
		for _, col := range cols {
			line := fmt.Sprintf("column %s %s %s %s", col[0], col[1], col[2], col[3])
			if col[4] != "" {
				line += " DEFAULT " + unqualify.Replace(col[4])
			}
			lines = append(lines, line)
		}
		for _, q := range []struct{ kind, sql string }{
			{"constraint", pgConstraintsSQL}, {"index", pgIndexesSQL}, {"trigger", pgTriggersSQL},
		} {
			defs, err := queryStrings(ctx, db, q.sql, oid)
			if err != nil {
				return nil, err
			}
			for _, d := range defs {
				lines = append(lines, q.kind+" "+d[0]+": "+unqualify.Replace(d[1]))
			}
		}
		c[name] = lines
	}
	return c, nil
}
