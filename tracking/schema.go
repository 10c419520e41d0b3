package tracking

import (
	"context"
	"sync"
	"time"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"
)

// Traces have no workspace of their own: they belong to their experiment's
// workspace (MLflow joins experiments.workspace). That column exists only
// from MLflow 3.10 on; before, every experiment is in "default".
const (
	pgWorkspaceColumnSQL = `SELECT count(*) FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'experiments' AND column_name = 'workspace'`
	sqliteWorkspaceColumnSQL = `SELECT count(*) FROM pragma_table_info('experiments') WHERE name = 'workspace'`
)

// recheckAbsent is how long "no workspace column" is believed: MLflow may be
// upgraded underneath a running sidecar, and the column only ever appears.
const recheckAbsent = time.Minute

// schemaProbe remembers whether experiments has a workspace column.
type schemaProbe struct {
	mu      sync.Mutex
	present bool
	checked time.Time // of the last "absent" answer; zero: never asked
}

func (p *schemaProbe) workspaceColumn(ctx context.Context, q mlflowdb.Querier, now time.Time) (bool, error) {
	p.mu.Lock()
	if p.present || (!p.checked.IsZero() && now.Sub(p.checked) < recheckAbsent) {
		defer p.mu.Unlock()
		return p.present, nil
	}
	p.mu.Unlock()
	query := sqliteWorkspaceColumnSQL
	if q.Dialect() == mlflowdb.Postgres {
		query = pgWorkspaceColumnSQL
	}
	var n int64
	if err := q.QueryRow(ctx, query).Scan(&n); err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.present, p.checked = n > 0, now
	return p.present, nil
}
