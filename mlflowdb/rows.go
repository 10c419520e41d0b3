package mlflowdb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
)

// driverRows is what pgx.Rows and *sql.Rows have in common.
type driverRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// instrumentedRows ends the statement's span and records its duration when
// the rows are closed, so the measurement covers reading them.
type instrumentedRows struct {
	ctx    context.Context
	rows   driverRows
	op     op
	closed bool
}

func (r *instrumentedRows) Next() bool { return r.rows.Next() }

func (r *instrumentedRows) Scan(dest ...any) error { return classify(r.rows.Scan(dest...)) }

func (r *instrumentedRows) Err() error { return classify(r.rows.Err()) }

func (r *instrumentedRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	var err error
	switch rows := r.rows.(type) {
	case pgx.Rows:
		rows.Close()
		err = rows.Err()
	case *sql.Rows:
		err = errors.Join(rows.Close(), rows.Err())
	}
	r.op.end(r.ctx, classify(err))
}

// singleRow implements Row over Rows for both dialects, so QueryRow's span
// ends when the row has been read.
type singleRow struct {
	rows Rows
	err  error
}

func (r singleRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return ErrNoRows
	}
	return r.rows.Scan(dest...)
}
