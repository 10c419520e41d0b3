// Package mlflowdb is the sidecar's connection to MLflow's backend store:
// parsing MLflow's backend-store URIs, opening a pgx pool (PostgreSQL) or a
// modernc.org/sqlite database (SQLite), and running transactions through one
// small query interface so that store packages write their SQL once.
//
// SQL is written with PostgreSQL-style positional parameters ($1, $2, ...).
// On SQLite they are rewritten to SQLite's numbered form (?1, ?2, ...), which
// binds by number, so a parameter may repeat and appear in any order. SQL
// text is always a constant of the calling package, never user input.
package mlflowdb
