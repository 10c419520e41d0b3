package search

import (
	"fmt"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// Resource is what a search lists. Each has its own filter keys, order keys
// and page-size limit.
type Resource uint8

// The three searchable resources.
const (
	Servers   Resource = iota + 1 // GET /mcp-servers
	Versions                      // GET /mcp-servers/{N}/versions
	Endpoints                     // GET /mcp-servers/endpoints and /mcp-servers/{N}/endpoints
)

func (r Resource) String() string {
	if s := r.spec(); s != nil {
		return s.name
	}
	return "unknown"
}

// Attribute keys that take a numeric (epoch milliseconds) operand. They are
// the same for every resource.
const (
	keyCreatedAt     = "created_at"
	keyLastUpdatedAt = "last_updated_at"
	keyStatus        = "status"
	keyVersion       = "version"
	keyHasEndpoints  = "has_access_endpoints"
)

func isNumericKey(k string) bool { return k == keyCreatedAt || k == keyLastUpdatedAt }

type resourceSpec struct {
	name string
	// attrs are the filterable attribute keys, sorted: MLflow prints a
	// Python set whose order changes between runs, so its text was never
	// stable; sorted is at least reproducible.
	attrs []string
	// tags reports whether tags.<k> clauses are allowed.
	tags bool
	// inNoun names the resource in the IN-restriction message.
	inNoun string
	// orderKeys are the keys a client may name in order_by, sorted (MLflow
	// prints sorted(valid_keys)).
	orderKeys []OrderKey
	// maxResults is the largest page a client may ask for.
	maxResults int
}

var specs = map[Resource]*resourceSpec{
	Servers: {
		name:       "servers",
		attrs:      []string{"created_at", "display_name", "has_access_endpoints", "last_updated_at", "name", "status"},
		tags:       true,
		inNoun:     "MCP servers",
		orderKeys:  []OrderKey{OrderCreatedAt, OrderLastUpdatedAt, OrderName},
		maxResults: MaxServerResults,
	},
	Versions: {
		name:       "versions",
		attrs:      []string{"created_at", "last_updated_at", "name", "status", "version"},
		inNoun:     "MCP server versions",
		orderKeys:  []OrderKey{OrderCreatedAt, OrderLastUpdatedAt, OrderSemVer},
		maxResults: MaxResults,
	},
	Endpoints: {
		name:       "endpoints",
		attrs:      []string{"created_at", "last_updated_at", "server_name", "status", "transport_type"},
		inNoun:     "MCP access endpoints",
		orderKeys:  []OrderKey{OrderCreatedAt, OrderID, OrderLastUpdatedAt, OrderServerName},
		maxResults: MaxResults,
	},
}

func (r Resource) spec() *resourceSpec { return specs[r] }

// errUnknownResource is a programming error in the caller, not a client
// error, so it is deliberately not an mlflowerr kind (it surfaces as 500).
func errUnknownResource(r Resource) error { return fmt.Errorf("search: unknown resource %d", r) }

func (s *resourceSpec) hasAttr(k string) bool {
	for _, a := range s.attrs {
		if a == k {
			return true
		}
	}
	return false
}

// validKeysText renders the key list the way MLflow's message does (a
// Python set literal inside quotes), sorted.
func (s *resourceSpec) validKeysText() string { return "'{" + quoteJoin(s.attrs) + "}'" }

// quoteJoin renders 'a', 'b', … as MLflow's messages print Python strings.
func quoteJoin[S ~string](items []S) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + string(it) + "'")
	}
	return b.String()
}

// Page-size limits. MLflow's generic tracking-store threshold is 50 000; its
// server search adds a tighter cap of 1000.
const (
	DefaultMaxResults = 100
	MaxResults        = 50000
	MaxServerResults  = 1000
)

// CheckMaxResults validates a requested page size (the HTTP layer applies
// DefaultMaxResults when the parameter is absent). A server search over 1000
// always gets the 1000 message, even above 50 000 where MLflow's generic
// check would answer first with "at most 50000": that text would be wrong for
// servers, since 2000 is refused too.
func CheckMaxResults(r Resource, n int) error {
	s := r.spec()
	if s == nil {
		return errUnknownResource(r)
	}
	if n < 1 {
		return mlflowerr.Invalid(
			"Invalid value for request parameter max_results. It must be a positive integer, but got %d", n)
	}
	if n > s.maxResults {
		if r == Servers {
			return mlflowerr.Invalid("Invalid value for max_results. It must be at most %d, but got %d", s.maxResults, n)
		}
		return mlflowerr.Invalid(
			"Invalid value for request parameter max_results. It must be at most %d, but got %d", s.maxResults, n)
	}
	return nil
}
