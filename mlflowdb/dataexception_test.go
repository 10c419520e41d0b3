package mlflowdb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// TestDataExceptionIsBadRequest: a value PostgreSQL refuses (SQLSTATE class
// 22) is the request's fault: MLflow's BAD_REQUEST, never a 500.
func TestDataExceptionIsBadRequest(t *testing.T) {
	db := dbtest.Open(t, dbtest.Postgres(t))
	ctx := context.Background()
	for _, sql := range []string{`SELECT 'abc' LIKE '%\'`, `SELECT 1 / 0`, `SELECT CAST('x' AS INTEGER)`} {
		var v any
		err := db.Q().QueryRow(ctx, sql).Scan(&v)
		if !errors.Is(err, mlflowerr.ErrBadRequest) {
			t.Errorf("%s: %v is not a bad request", sql, err)
			continue
		}
		if code, status := mlflowerr.Code(err); code != "BAD_REQUEST" || status != 400 {
			t.Errorf("%s: %s %d", sql, code, status)
		}
	}
	// Other SQL errors stay internal: they are the sidecar's bugs.
	var v any
	err := db.Q().QueryRow(ctx, `SELECT no_such_column FROM pg_class`).Scan(&v)
	if err == nil || errors.Is(err, mlflowerr.ErrBadRequest) {
		t.Fatalf("undefined column classified as a bad request: %v", err)
	}
}
