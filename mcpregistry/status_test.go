package mcpregistry

import (
	"slices"
	"testing"
)

var allStatuses = []Status{StatusDraft, StatusActive, StatusDeprecated, StatusDeleted}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in      string
		want    Status
		wantErr string
	}{
		{"draft", StatusDraft, ""},
		{"active", StatusActive, ""},
		{"deprecated", StatusDeprecated, ""},
		{"deleted", StatusDeleted, ""},
		{"Active", "", "Invalid status: 'Active'"},
		{"bogus", "", "Invalid status: 'bogus'"},
		{"", "", "Invalid status: ''"},
		{" active", "", "Invalid status: ' active'"},
		{"active\n", "", "Invalid status: 'active\n'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStatus(tt.in)
			if tt.wantErr != "" {
				wantInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStatus = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestCheckTransition covers the whole 4×4 table of §6.1 plus an unknown
// current status (a corrupt row), which, like MLflow, allows nothing.
func TestCheckTransition(t *testing.T) {
	const (
		fromDraft      = "Allowed transitions: ['active', 'deleted']"
		fromActive     = "Allowed transitions: ['deprecated', 'draft']"
		fromDeprecated = "Allowed transitions: ['active', 'deleted']"
		none           = "Allowed transitions: []"
	)
	tests := []struct {
		from, to Status
		ok       bool
		allowed  string
	}{
		{StatusDraft, StatusDraft, false, fromDraft},
		{StatusDraft, StatusActive, true, ""},
		{StatusDraft, StatusDeprecated, false, fromDraft},
		{StatusDraft, StatusDeleted, true, ""},
		{StatusActive, StatusDraft, true, ""},
		{StatusActive, StatusActive, false, fromActive},
		{StatusActive, StatusDeprecated, true, ""},
		{StatusActive, StatusDeleted, false, fromActive},
		{StatusDeprecated, StatusDraft, false, fromDeprecated},
		{StatusDeprecated, StatusActive, true, ""},
		{StatusDeprecated, StatusDeprecated, false, fromDeprecated},
		{StatusDeprecated, StatusDeleted, true, ""},
		{StatusDeleted, StatusDraft, false, none},
		{StatusDeleted, StatusActive, false, none},
		{StatusDeleted, StatusDeprecated, false, none},
		{StatusDeleted, StatusDeleted, false, none},
		{Status("archived"), StatusActive, false, none},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			err := CheckTransition(tt.from, tt.to)
			if tt.ok {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantInvalid(t, err, "Invalid status transition from '"+string(tt.from)+"' to '"+string(tt.to)+"'. "+tt.allowed)
		})
	}
}

// The message shows each list sorted, and the code prints the lists as
// stored, so they must stay sorted.
func TestAllowedTransitionListsAreSorted(t *testing.T) {
	for from, to := range allowedTransitions {
		if !slices.IsSorted(to) {
			t.Errorf("transitions from %s not sorted: %v", from, to)
		}
	}
}

func TestCheckInitialStatus(t *testing.T) {
	for _, s := range allStatuses {
		t.Run(string(s), func(t *testing.T) {
			err := CheckInitialStatus(s)
			if s == StatusDraft || s == StatusActive {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantInvalid(t, err, "Initial MCP server registration status must be 'draft' or 'active'.")
		})
	}
	if DefaultStatus != StatusDraft {
		t.Errorf("DefaultStatus = %q, want draft", DefaultStatus)
	}
}

func TestLatestPriority(t *testing.T) {
	want := map[Status]int{StatusActive: 0, StatusDraft: 1, StatusDeprecated: 1, StatusDeleted: 1}
	for s, p := range want {
		if got := s.LatestPriority(); got != p {
			t.Errorf("%s.LatestPriority() = %d, want %d", s, got, p)
		}
	}
}

func TestResolveLatest(t *testing.T) {
	c := func(status Status, version string, createdAt int64) LatestCandidate {
		return LatestCandidate{Status: status, Version: mustParse(t, version), CreatedAt: createdAt}
	}
	tests := []struct {
		name       string
		candidates []LatestCandidate
		want       string // "" means none
	}{
		{"none", nil, ""},
		{"only deleted", []LatestCandidate{c(StatusDeleted, "2.0.0", 1)}, ""},
		{"single draft", []LatestCandidate{c(StatusDraft, "1.0.0", 1)}, "1.0.0"},
		{"active beats higher draft and deprecated", []LatestCandidate{
			c(StatusDraft, "9.0.0", 3), c(StatusActive, "1.0.0", 1), c(StatusDeprecated, "5.0.0", 2)}, "1.0.0"},
		{"highest active wins", []LatestCandidate{
			c(StatusActive, "1.10.0", 1), c(StatusActive, "1.9.0", 2), c(StatusActive, "1.10.0-rc.1", 3)}, "1.10.0"},
		{"deleted higher version is skipped", []LatestCandidate{
			c(StatusDeleted, "3.0.0", 3), c(StatusDeprecated, "2.0.0", 2), c(StatusDraft, "1.0.0", 1)}, "2.0.0"},
		{"release beats its prerelease", []LatestCandidate{
			c(StatusDraft, "1.0.0-rc.2", 2), c(StatusDraft, "1.0.0", 1)}, "1.0.0"},
		// MLflow's test: equal precedence, the newer row wins.
		{"build metadata: newer wins", []LatestCandidate{
			c(StatusActive, "1.0.0+xyz", 1000), c(StatusActive, "1.0.0+abc", 2000)}, "1.0.0+abc"},
		{"build metadata, same time: greater string wins", []LatestCandidate{
			c(StatusActive, "1.0.0+abc", 1000), c(StatusActive, "1.0.0+xyz", 1000)}, "1.0.0+xyz"},
		{"build metadata, byte order not case-folded", []LatestCandidate{
			c(StatusActive, "1.0.0+b", 1000), c(StatusActive, "1.0.0+B", 1000)}, "1.0.0+b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The answer must not depend on the input order.
			for _, cands := range [][]LatestCandidate{tt.candidates, reversed(tt.candidates)} {
				got, ok := ResolveLatest(cands)
				if tt.want == "" {
					if ok {
						t.Fatalf("resolved %s, want none", got.Version)
					}
					continue
				}
				if !ok || got.Version.String() != tt.want {
					t.Fatalf("resolved %s (ok=%v), want %s", got.Version, ok, tt.want)
				}
			}
		})
	}
}

func reversed(s []LatestCandidate) []LatestCandidate {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestParseTransportType(t *testing.T) {
	tests := []struct {
		in      string
		want    TransportType
		wantErr string
	}{
		{"streamable-http", TransportStreamableHTTP, ""},
		{"sse", TransportSSE, ""},
		{"stdio", "", "Invalid transport_type: 'stdio'. Allowed values: 'streamable-http', 'sse'."},
		{"SSE", "", "Invalid transport_type: 'SSE'. Allowed values: 'streamable-http', 'sse'."},
		{"streamable_http", "", "Invalid transport_type: 'streamable_http'. Allowed values: 'streamable-http', 'sse'."},
		{"", "", "Invalid transport_type: ''. Allowed values: 'streamable-http', 'sse'."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTransportType(tt.in)
			if tt.wantErr != "" {
				wantInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseTransportType = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if DefaultTransportType != TransportStreamableHTTP {
		t.Errorf("DefaultTransportType = %q", DefaultTransportType)
	}
}
