package mlflowdb

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// URI is a parsed MLflow backend-store URI: what the sidecar needs to reach
// the same database MLflow uses.
//
// String and GoString return Redacted, so a URI printed with any fmt verb
// never shows the password.
type URI struct {
	Dialect Dialect
	// ConnString is the pgx connection string (PostgreSQL only), password
	// included. Never log it; log Redacted.
	ConnString string
	// Path is the absolute path of the database file (SQLite only).
	Path string

	redacted string
}

// Redacted is the URI for logs and status output, password masked.
func (u URI) Redacted() string { return u.redacted }

func (u URI) String() string   { return u.redacted }
func (u URI) GoString() string { return "mlflowdb.URI(" + u.redacted + ")" }

const supportedForms = "supported backend-store URIs: postgresql://user:password@host:port/db " +
	"(also postgresql+psycopg2://, postgresql+psycopg://, postgresql+pg8000://), " +
	"sqlite:///relative/path.db, sqlite:////absolute/path.db"

// ParseURI parses a backend-store URI the way MLflow (SQLAlchemy) reads it.
//
// PostgreSQL URIs may name any SQLAlchemy driver; the driver is ignored and
// user, password, host, port, database and query parameters (sslmode,
// options, application_name, ...) are handed to pgx as they are.
//
// SQLite paths follow SQLAlchemy: after "sqlite:///" a path is relative to the
// working directory, "sqlite:////x" is absolute. In-memory databases are
// refused: the sidecar exists to share a file with MLflow.
func ParseURI(raw string) (URI, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return URI{}, fmt.Errorf("backend-store URI %q is not a database URI (file stores such as ./mlruns cannot be shared with the sidecar); %s",
			redactRaw(raw), supportedForms)
	}
	dialectName, driver, _ := strings.Cut(strings.ToLower(scheme), "+")
	switch dialectName {
	case "postgresql":
		switch driver {
		case "", "psycopg2", "psycopg", "pg8000", "psycopg2cffi":
			return parsePostgres(raw)
		}
		return URI{}, fmt.Errorf("backend-store URI %q: unknown PostgreSQL driver %q; %s", redactRaw(raw), driver, supportedForms)
	case "postgres":
		// SQLAlchemy dropped the "postgres" alias in 1.4, so MLflow refuses it too.
		return URI{}, fmt.Errorf("backend-store URI %q: SQLAlchemy (and so MLflow) does not accept the scheme %q; use postgresql://",
			redactRaw(raw), scheme)
	case "sqlite":
		if driver != "" && driver != "pysqlite" {
			return URI{}, fmt.Errorf("backend-store URI %q: unknown SQLite driver %q; %s", raw, driver, supportedForms)
		}
		return parseSQLite(raw)
	}
	return URI{}, fmt.Errorf("backend-store URI %q: database %q is not supported by the sidecar; %s",
		redactRaw(raw), dialectName, supportedForms)
}

func parsePostgres(raw string) (URI, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return URI{}, fmt.Errorf("backend-store URI %q: %v", redactRaw(raw), redactErr(err, raw))
	}
	if u.Fragment != "" || u.Opaque != "" {
		return URI{}, fmt.Errorf("backend-store URI %q: not a PostgreSQL URL; %s", u.Redacted(), supportedForms)
	}
	pg := url.URL{Scheme: "postgres", User: u.User, Host: u.Host, Path: u.Path, RawQuery: u.RawQuery}
	return URI{Dialect: Postgres, ConnString: pg.String(), redacted: u.Redacted()}, nil
}

// SQLAlchemy's pysqlite dialect reads these query parameters itself; they tune
// the Python driver and have no meaning for the sidecar's connections.
var pysqliteParams = map[string]bool{
	"timeout": true, "isolation_level": true, "detect_types": true,
	"check_same_thread": true, "cached_statements": true, "uri": true,
}

func parseSQLite(raw string) (URI, error) {
	bad := func(why string) (URI, error) {
		return URI{}, fmt.Errorf("backend-store URI %q: %s; %s", raw, why, supportedForms)
	}
	rest := raw[strings.Index(raw, "://")+3:]
	rest, query, _ := strings.Cut(rest, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return bad("bad query string: " + err.Error())
	}
	host, dbPart, hasSlash := strings.Cut(rest, "/")
	if host != "" {
		return bad("SQLite URIs have no host part (three slashes before a relative path, four before an absolute one)")
	}
	dbPart, err = url.PathUnescape(dbPart)
	if err != nil {
		return bad("bad escape in path: " + err.Error())
	}
	if !hasSlash || dbPart == "" || dbPart == ":memory:" {
		return bad("an in-memory database cannot be shared with MLflow; name a database file")
	}

	if strings.EqualFold(params.Get("uri"), "true") {
		path, err := sqliteURIPath(dbPart, params)
		if err != nil {
			return bad(err.Error())
		}
		dbPart = path
	} else {
		for k := range params {
			if !pysqliteParams[k] {
				return bad(fmt.Sprintf("unknown query parameter %q (SQLite URI parameters need uri=true)", k))
			}
		}
	}
	abs, err := filepath.Abs(dbPart)
	if err != nil {
		return bad(err.Error())
	}
	return URI{Dialect: SQLite, Path: abs, redacted: "sqlite:///" + filepath.ToSlash(abs)}, nil
}

// sqliteURIPath reads the file name from SQLAlchemy's uri=true form,
// sqlite:///file:path?mode=rwc&uri=true, where the database part is itself a
// SQLite URI. Only options that leave us a shared, writable file are allowed.
func sqliteURIPath(dbPart string, params url.Values) (string, error) {
	name, ok := strings.CutPrefix(dbPart, "file:")
	if !ok {
		return "", fmt.Errorf("with uri=true the database must be a file: URI, got %q", dbPart)
	}
	if strings.HasPrefix(name, "//") {
		host, path, _ := strings.Cut(name[2:], "/")
		if host != "" && host != "localhost" {
			return "", fmt.Errorf("file URI host %q is not local", host)
		}
		name = "/" + path
	}
	for k, vs := range params {
		v := strings.ToLower(vs[len(vs)-1])
		switch {
		case pysqliteParams[k], k == "cache":
		case k == "mode" && (v == "rw" || v == "rwc"):
		case k == "mode":
			return "", fmt.Errorf("mode=%s cannot be used: the sidecar writes to the file MLflow uses", v)
		default:
			return "", fmt.Errorf("SQLite URI parameter %q is not supported by the sidecar", k)
		}
	}
	if name == "" || name == ":memory:" {
		return "", fmt.Errorf("an in-memory database cannot be shared with MLflow; name a database file")
	}
	return name, nil
}

// redactRaw masks a password in a string that may not parse as a URL.
func redactRaw(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return raw
	}
	user, _, hasPass := strings.Cut(userinfo, ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx@" + host
}

// url.Parse errors quote the whole input, password included.
func redactErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, redactRaw(raw))
}
