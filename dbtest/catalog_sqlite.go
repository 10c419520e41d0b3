package dbtest

import (
	"context"
	"database/sql"
	"strings"
)

const (
	sqliteTablesSQL  = `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	sqliteColumnsSQL = `SELECT cid, name, type, CASE WHEN "notnull" THEN 'NOT NULL' ELSE 'NULL' END, dflt_value, pk, hidden
FROM pragma_table_xinfo(?1) ORDER BY cid`
	sqliteForeignKeysSQL = `SELECT id, seq, "table", "from", "to", on_update, on_delete, "match"
FROM pragma_foreign_key_list(?1) ORDER BY id, seq`
	sqliteIndexesSQL = `SELECT l.name, l."unique", l.origin, l.partial, m.sql
FROM pragma_index_list(?1) l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.name`
	sqliteIndexColumnsSQL = `SELECT seqno, name, "desc", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno`
	sqliteTriggersSQL     = `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY name`
)

// sqliteCatalog describes each table by its normalised CREATE text (the only
// place SQLite keeps constraint names) and by what the pragmas report.
func sqliteCatalog(ctx context.Context, db *sql.DB) (Catalog, error) {
	tables, err := queryStrings(ctx, db, sqliteTablesSQL)
	if err != nil {
		return nil, err
	}
	c := Catalog{}
	for _, tbl := range tables {
		name := tbl[0]
		lines := []string{"sql " + normaliseSQL(tbl[1])}
		for _, q := range []struct{ kind, sql string }{
			{"column", sqliteColumnsSQL}, {"foreign key", sqliteForeignKeysSQL}, {"trigger", sqliteTriggersSQL},
		} {
			rows, err := queryStrings(ctx, db, q.sql, name)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				lines = append(lines, q.kind+" "+normaliseSQL(strings.Join(r, " | ")))
			}
		}
		indexes, err := queryStrings(ctx, db, sqliteIndexesSQL, name)
		if err != nil {
			return nil, err
		}
		for _, ix := range indexes {
			cols, err := queryStrings(ctx, db, sqliteIndexColumnsSQL, ix[0])
			if err != nil {
				return nil, err
			}
			var parts []string
			for _, col := range cols {
				parts = append(parts, strings.Join(col, " "))
			}
			lines = append(lines, "index "+ix[0]+" unique="+ix[1]+" origin="+ix[2]+" partial="+ix[3]+
				" columns=["+strings.Join(parts, ", ")+"] sql="+normaliseSQL(ix[4]))
		}
		c[name] = lines
	}
	return c, nil
}
