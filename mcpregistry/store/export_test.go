package store

import "github.com/mlflow-sidecar/mlflow-sidecar/mlflowdb"

// ViewSQL exposes the fixed view statements to the benchmarks' floors.
func ViewSQL(d mlflowdb.Dialect) (server, version, endpoint string) {
	st := prepared[d]
	return st.serverView, st.liveVersionView, st.endpointView
}
