package workspaces_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/dbtest"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/workspaces"
)

func TestValidateName(t *testing.T) {
	cases := []struct {
		name    string
		wantErr string
	}{
		{"team-a", ""},
		{"a1", ""},
		{strings.Repeat("a", 63), ""},
		{"a", "between 2 and 63"},
		{strings.Repeat("a", 64), "between 2 and 63"},
		{"Team", "must match the pattern"},
		{"-team", "must match the pattern"},
		{"team-", "must match the pattern"},
		{"te--am", "must match the pattern"},
		{"te_am", "must match the pattern"},
		{"api", "reserved"},
		{"static-files", "reserved"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := workspaces.ValidateName(c.name)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, mlflowerr.ErrInvalid) {
				t.Fatalf("err %v, want INVALID_PARAMETER_VALUE mentioning %q", err, c.wantErr)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	t.Run("disabled", func(t *testing.T) {
		r := workspaces.NewResolver(false, nil)
		for _, h := range []string{"", "  "} {
			if ws, err := r.Resolve(ctx, h); err != nil || ws != "default" {
				t.Fatalf("%q: %q %v", h, ws, err)
			}
		}
		_, err := r.Resolve(ctx, "team-a")
		if !errors.Is(err, mlflowerr.ErrFeatureDisabled) {
			t.Fatalf("header while disabled: %v", err)
		}
		if code, _ := mlflowerr.Code(err); code != "FEATURE_DISABLED" {
			t.Fatalf("code %s", code)
		}
	})
	dbtest.Dialects(t, func(t *testing.T, uri mlflowdb.URI) {
		dbtest.LoadMLflowSchema(t, uri, dbtest.MLflow3112)
		db := dbtest.Open(t, uri)
		insert := func(name string) {
			t.Helper()
			err := db.Write(ctx, func(q mlflowdb.Querier) error {
				_, err := q.Exec(ctx, `INSERT INTO workspaces (name, description) VALUES ($1, $2)`, name, "test")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		insert("team-a")
		r := workspaces.NewResolver(true, db)
		if err := r.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			header, want string
			kind         error
		}{
			{"", "default", nil},
			{"default", "default", nil},
			{" team-a ", "team-a", nil},
			{"team-b", "", mlflowerr.ErrNotFound},
			{"Team-A", "", mlflowerr.ErrInvalid},
		}
		for _, c := range cases {
			ws, err := r.Resolve(ctx, c.header)
			if c.kind != nil {
				if !errors.Is(err, c.kind) {
					t.Errorf("%q: err %v, want %v", c.header, err, c.kind)
				}
				continue
			}
			if err != nil || ws != c.want {
				t.Errorf("%q: %q %v, want %q", c.header, ws, err, c.want)
			}
		}
		// A workspace created after a miss is usable at once (misses are not cached).
		insert("team-b")
		if ws, err := r.Resolve(ctx, "team-b"); err != nil || ws != "team-b" {
			t.Fatalf("new workspace: %q %v", ws, err)
		}
	})
	t.Run("no workspaces table", func(t *testing.T) {
		db := dbtest.Open(t, dbtest.SQLite(t))
		err := workspaces.NewResolver(true, db).CheckSchema(ctx)
		if err == nil || !strings.Contains(err.Error(), "workspaces table") {
			t.Fatalf("want a clear start-up error, got %v", err)
		}
	})
}
