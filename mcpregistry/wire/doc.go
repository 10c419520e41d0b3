// Package wire holds the JSON wire types of MLflow 3.15's MCP registry API,
// shared by the sidecar's handlers, the Go client and the CLI, and the
// request decoding that reproduces MLflow's validation errors.
//
// Field order in each struct is the key order MLflow's Pydantic models emit;
// pointer fields without omitempty are `null` when unset, because MLflow's
// responses always carry every key.
package wire
