package store

import "github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"

// ViewSQL exposes the fixed view statements to the benchmarks' floors.
func ViewSQL(d mlflowdb.Dialect) (server, version, endpoint string) {
	st := prepared[d]
	return st.serverView, st.liveVersionView, st.endpointView
}

// ResolutionSQL selects, for every endpoint, the three encodings of the
// resolution rule: resolvable, resolvedStatus and the row resolved() finds.
func ResolutionSQL(d mlflowdb.Dialect) string {
	return "SELECT e.id, " + resolvable(d) + ", " + resolvedStatus(d) + ", rv.version, rv.status FROM mcp_access_endpoints e" +
		resolved(d, endpointLatest(d), "LEFT JOIN") + " ORDER BY e.id"
}
