// Package mlflowdb is the sidecar's connection to MLflow's backend store:
// parsing MLflow's backend-store URIs, opening a pgx pool (PostgreSQL) or a
// modernc.org/sqlite database (SQLite), and running transactions through one
// small query interface so that store packages write their SQL once.
//
// SQL is written with PostgreSQL-style positional parameters ($1, $2, ...).
// On SQLite they are rewritten to SQLite's numbered form (?1, ?2, ...), which
// binds by number, so a parameter may repeat and appear in any order. SQL
// text is always a constant of the calling package, never user input.
//
// # Choosing Q, Read or Write
//
//   - DB.Q: one statement, autocommit, for reads that need no consistency
//     with another statement. SQLite serves it from a read-only pool.
//   - DB.Read: several reads from one snapshot.
//   - DB.Write: everything that changes data, as one transaction; fn may be
//     run again after a serialization failure, deadlock or busy file (see
//     Write), so it must only act through its Querier.
//
// On SQLite all writes go through one connection whose transactions begin
// IMMEDIATE, so the sidecar's writers queue instead of failing when MLflow
// (another process) holds the file; every connection runs MLflow's own
// pragmas (foreign_keys, busy_timeout, case_sensitive_like). The journal mode
// is never changed: it belongs to MLflow's file.
//
// # Values
//
// Store code relies on these conventions, tested on both dialects:
//
//   - JSON columns are written as a Go string (PostgreSQL receives json text;
//     SQLite stores TEXT) and read into []byte or *string. Never write
//     []byte: SQLite would store a BLOB where MLflow's own writes leave
//     TEXT, and a BLOB never equals TEXT, so comparisons and LIKE in either
//     program would silently stop matching.
//   - Nullable columns are read into pointers (*string, *int64), which come
//     back nil for NULL; a nil pointer argument writes NULL.
//   - BIGINT columns (MLflow's millisecond timestamps) are read into int64.
//
// # Errors
//
// IsUniqueViolation and IsForeignKeyViolation classify constraint failures
// of either driver. Failures to reach the database (connection refused or
// lost, server shutting down, pool closed, a deadline while connecting, a
// SQLite file that cannot be opened or read, retries exhausted) match
// mlflowerr.ErrUnavailable, as MLflow answers OperationalError with
// TEMPORARILY_UNAVAILABLE.
//
// # Telemetry
//
// Each transaction and each statement gets a client span from the global
// TracerProvider, named after a summary of the constant SQL ("SELECT
// mcp_servers") with db.system, db.operation.name and db.query.summary;
// argument values are never recorded. Durations go to the histograms
// db.client.operation.duration and mlflowdb.transaction.duration of the
// global MeterProvider.
package mlflowdb
