package mlflowdb

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// IsUniqueViolation reports whether err is a primary-key or unique
// constraint failure, on either dialect.
func IsUniqueViolation(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "23505"
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key constraint
// failure, on either dialect.
func IsForeignKeyViolation(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "23503"
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// unavailableError marks a failure to reach the database. It matches both
// mlflowerr.ErrUnavailable (MLflow answers OperationalError with
// TEMPORARILY_UNAVAILABLE, 503) and the driver's own error.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string {
	return "backend store temporarily unavailable: " + e.cause.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{mlflowerr.ErrUnavailable, e.cause} }

// ClientMessage keeps the driver's detail (host names, user names) out of
// responses; the full text is logged by the handler that answers 503.
func (e *unavailableError) ClientMessage() string {
	return "The backend store is temporarily unavailable. Retry later."
}

func unavailable(err error) error {
	if err == nil || errors.Is(err, mlflowerr.ErrUnavailable) {
		return err
	}
	return &unavailableError{cause: err}
}

var errClosed = errors.New("mlflowdb: database handle is closed")

// classify wraps connection-level failures as unavailable and leaves
// everything else (constraint violations, SQL mistakes, the caller's own
// cancellation) as it is.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if isConnectionFailure(err) {
		return unavailable(err)
	}
	if code, ok := pgCode(err); ok && strings.HasPrefix(code, "22") {
		// A data exception (SQLSTATE class 22: a value the database cannot
		// hold or compare). Input validation should have caught it; if it
		// did not, the request is still the cause, and MLflow answers such
		// database errors with BAD_REQUEST, not a 500.
		return &badValueError{cause: err}
	}
	return err
}

// badValueError is a data exception, reported as MLflow's BAD_REQUEST.
type badValueError struct{ cause error }

func (e *badValueError) Error() string   { return "backend store rejected a value: " + e.cause.Error() }
func (e *badValueError) Unwrap() []error { return []error{mlflowerr.ErrBadRequest, e.cause} }

func isConnectionFailure(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		// Includes a context deadline while dialling: the database did not
		// answer in time, which is what the client should be told.
		return true
	}
	if code, ok := pgCode(err); ok {
		return pgConnectionCode(code)
	}
	if code, ok := sqliteCode(err); ok {
		switch code & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY,
			sqlite3.SQLITE_PERM, sqlite3.SQLITE_FULL, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOTADB:
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller gave up; that is not the database's fault.
		return false
	}
	if errors.Is(err, errClosed) || errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// pgconn reports a connection it already closed (after a fatal error or
	// a server-side termination) with this text and no exported type.
	return strings.Contains(err.Error(), "conn closed")
}

// pgConnectionCode reports SQLSTATEs that mean "the server or this session
// went away", not "this statement is wrong".
func pgConnectionCode(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection_exception
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin/crash shutdown, cannot connect now
		return true
	case code == "53300": // too_many_connections
		return true
	}
	return false
}

// retryable reports failures after which running the whole transaction again
// may succeed: serialization failures and deadlocks on PostgreSQL, busy or
// locked files on SQLite, and PostgreSQL errors raised before anything was
// sent (a pooled connection that died while idle).
func retryable(err error) bool {
	if code, ok := pgCode(err); ok {
		return code == "40001" || code == "40P01"
	}
	if code, ok := sqliteCode(err); ok {
		return code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED
	}
	return pgconn.SafeToRetry(err)
}

func pgCode(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, true
	}
	return "", false
}

func sqliteCode(err error) (int, bool) {
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) {
		return sqlErr.Code(), true
	}
	return 0, false
}

func sqliteCodeName(code int) string { return "sqlite_" + strconv.Itoa(code) }
