package tracking

import (
	"github.com/google/uuid"
)

// Entity-association type strings. "trace" is MLflow's EntityAssociationType
// for traces; "mcp_server_version" is the destination type the MLflow MCP
// registry prototype uses, kept so that rows written here read the same.
const (
	SourceTypeTrace              = "trace"
	DestinationTypeServerVersion = "mcp_server_version"
)

// DestinationNamespace is the UUID namespace of DestinationID. It is itself
// the UUIDv5 of the URL
// "https://github.com/mlflow-sidecar/mlflow-sidecar#mcp_server_version" in
// the RFC 4122 URL namespace, and it never changes: changing it would orphan
// every association already written.
var DestinationNamespace = uuid.MustParse("a05fb5a6-0355-514a-b1eb-1bebaae180d2")

// DestinationID is entity_associations.destination_id of an MCP server
// version: the UUIDv5 (SHA-1) in DestinationNamespace of the UTF-8 bytes
// workspace + "\x00" + name + "\x00" + version, in canonical lower-case
// 8-4-4-4-12 form (36 characters, the column's width).
//
// The column is VARCHAR(36), too narrow for "workspace:name:version", so the
// id is a hash; NUL cannot occur in any of the three parts, which makes the
// encoding unambiguous. Other tools compute the same id in Python with
//
//	uuid.uuid5(uuid.UUID("a05fb5a6-0355-514a-b1eb-1bebaae180d2"), f"{ws}\0{name}\0{version}")
func DestinationID(workspace, name, version string) string {
	b := make([]byte, 0, len(workspace)+len(name)+len(version)+2)
	b = append(b, workspace...)
	b = append(b, 0)
	b = append(b, name...)
	b = append(b, 0)
	b = append(b, version...)
	return uuid.NewSHA1(DestinationNamespace, b).String()
}
