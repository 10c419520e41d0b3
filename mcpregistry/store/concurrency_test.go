package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// TestConcurrentFirstRegistrations: 50 registrations of a new server's
// versions at once make one parent and store every version, without errors.
func TestConcurrentFirstRegistrations(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		const name, n = "io.acme/rush", 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := e.register(e.alice, name, fmt.Sprintf("1.0.%d", i), "")
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("registration failed: %v", err)
			}
		}
		if got := e.count("mcp_servers", "name = $1", name); got != 1 {
			t.Errorf("%d parents", got)
		}
		if got := e.count("mcp_server_versions", "name = $1", name); got != n {
			t.Errorf("%d versions stored, want %d", got, n)
		}
		if s := e.server(name); s.Latest == nil || s.Latest.Version != fmt.Sprintf("1.0.%d", n-1) {
			t.Errorf("latest = %v", s.Latest)
		}
	})
}

// TestConcurrentChurn runs alias moves, status changes, version deletes and
// endpoint writes on two servers from many goroutines, then checks the
// invariants the per-server write lock protects.
func TestConcurrentChurn(t *testing.T) {
	forDialects(t, func(t *testing.T, e *env) {
		servers := []string{"io.acme/churn1", "io.acme/churn2"}
		for _, s := range servers {
			for v := range 6 {
				e.mustRegister(s, fmt.Sprintf("1.%d.0", v), "")
			}
		}
		const workers, ops = 8, 40
		var wg sync.WaitGroup
		var applied atomic.Int64
		failures := make(chan error, workers*ops)
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range ops {
					ok, err := e.churnOp(rng, servers[rng.IntN(len(servers))])
					if err != nil {
						failures <- err
					}
					if ok {
						applied.Add(1)
					}
				}
			})
		}
		wg.Wait()
		close(failures)
		for err := range failures {
			t.Errorf("unexpected error: %v", err)
		}
		if applied.Load() == 0 {
			t.Fatal("no operation succeeded: the churn tested nothing")
		}
		t.Logf("%d of %d operations succeeded", applied.Load(), workers*ops)
		e.checkInvariants(servers)
	})
}

// churnOp performs one random write. Rule violations the race makes likely
// (a target deleted meanwhile, a transition no longer allowed) are expected
// client errors; anything else is a failure. ok reports success.
func (e *env) churnOp(rng *rand.Rand, server string) (ok bool, failure error) {
	version := fmt.Sprintf("1.%d.0", rng.IntN(7)) // 1.6.0 may not exist yet
	alias := []string{"prod", "beta", "canary"}[rng.IntN(3)]
	var err error
	switch rng.IntN(7) {
	case 0:
		err = e.reg.SetAlias(e.ctx, e.alice, server, alias, version)
	case 1:
		st := []string{"draft", "active", "deprecated"}[rng.IntN(3)]
		_, err = e.reg.UpdateVersion(e.ctx, e.alice, server, version, mcpregistry.VersionPatch{Status: &st})
	case 2:
		err = e.reg.DeleteVersion(e.ctx, e.alice, server, version)
	case 3:
		in := mcpregistry.CreateEndpointInput{URL: "https://churn.example.com"}
		switch rng.IntN(3) {
		case 0:
			in.ServerVersion = &version
		case 1:
			in.ServerAlias = &alias
		default:
			in.ServerAlias = ptr(mcpregistry.LatestAlias)
		}
		_, err = e.reg.CreateEndpoint(e.ctx, e.alice, server, in)
	case 4:
		err = e.reg.DeleteAlias(e.ctx, e.alice, server, alias)
	case 5:
		_, err = e.register(e.alice, server, version, "active")
	default:
		_, err = e.reg.GetServer(e.ctx, e.alice, server)
	}
	if err == nil || errors.Is(err, mlflowerr.ErrInvalid) || errors.Is(err, mlflowerr.ErrNotFound) ||
		errors.Is(err, mlflowerr.ErrAlreadyExists) {
		return err == nil, nil
	}
	return false, err
}

// checkInvariants: no alias on a deleted or missing version, no endpoint
// on one, on a missing alias, or on "latest" with nothing live, and the
// latest the server shows is the one the rule picks from the stored rows.
func (e *env) checkInvariants(servers []string) {
	e.t.Helper()
	for _, c := range []struct{ what, where string }{
		{"aliases on dead versions", "FROM mcp_server_aliases a LEFT JOIN mcp_server_versions v ON v.workspace = a.workspace " +
			"AND v.name = a.name AND v.version = a.version WHERE v.version IS NULL OR v.status = 'deleted'"},
		{"endpoints on dead versions", "FROM mcp_access_endpoints e LEFT JOIN mcp_server_versions v ON v.workspace = e.workspace " +
			"AND v.name = e.server_name AND v.version = e.server_version WHERE e.server_version IS NOT NULL " +
			"AND (v.version IS NULL OR v.status = 'deleted')"},
		{"endpoints on missing aliases", "FROM mcp_access_endpoints e WHERE e.server_alias IS NOT NULL AND e.server_alias <> 'latest' " +
			"AND NOT EXISTS (SELECT 1 FROM mcp_server_aliases a WHERE a.workspace = e.workspace AND a.name = e.server_name " +
			"AND a.alias = e.server_alias)"},
		{"latest endpoints with nothing live", "FROM mcp_access_endpoints e WHERE e.server_alias = 'latest' AND NOT EXISTS " +
			"(SELECT 1 FROM mcp_server_versions v WHERE v.workspace = e.workspace AND v.name = e.server_name AND v.status <> 'deleted')"},
	} {
		var n int64
		e.must(e.db.Q().QueryRow(e.ctx, "SELECT count(*) "+c.where).Scan(&n))
		if n != 0 {
			e.t.Errorf("%d %s", n, c.what)
		}
	}
	for _, s := range servers {
		rows, err := e.db.Q().Query(e.ctx, "SELECT version, status, created_at FROM mcp_server_versions WHERE name = $1", s)
		e.must(err)
		var cands []mcpregistry.LatestCandidate
		for rows.Next() {
			var raw, status string
			var c mcpregistry.LatestCandidate
			e.must(rows.Scan(&raw, &status, &c.CreatedAt))
			c.Version, err = mcpregistry.ParseVersion(raw)
			e.must(err)
			c.Status = mcpregistry.Status(status)
			cands = append(cands, c)
		}
		rows.Close()
		want, ok := mcpregistry.ResolveLatest(cands)
		got := e.server(s).Latest
		switch {
		case !ok && got != nil:
			e.t.Errorf("%s: shows latest %s, none is live", s, got.Version)
		case ok && (got == nil || got.Version != want.Version.String()):
			e.t.Errorf("%s: shows latest %v, the rule picks %s", s, got, want.Version)
		}
	}
}
