package mlflowerr

import (
	"errors"
	"net/http"
	"slices"
	"testing"
)

func TestInvalidRequestMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issues []Issue
		want   string
	}{
		{"one", []Issue{{"name", "Field required"}}, "Invalid request: name: Field required"},
		{"empty loc", []Issue{{"", "Field required"}}, "Invalid request: Field required"},
		{"several", []Issue{
			{"server_json.packages.0.registryType", "Field required"},
			{"server_json.packages.0.identifier", "Field required"},
		}, "Invalid request: server_json.packages.0.registryType: Field required; server_json.packages.0.identifier: Field required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := InvalidRequest(tc.issues...)
			if err.Error() != tc.want {
				t.Fatalf("got %q, want %q", err.Error(), tc.want)
			}
			if code, status := Code(err); code != "INVALID_PARAMETER_VALUE" || status != http.StatusBadRequest {
				t.Fatalf("Code = %s %d", code, status)
			}
			var re *RequestError
			if !errors.As(err, &re) || !slices.Equal(re.Issues, tc.issues) {
				t.Fatalf("issues not retrievable: %#v", re)
			}
		})
	}
}

func TestJoinRequest(t *testing.T) {
	a := InvalidRequest(Issue{"server_json.version", "Field required"})
	b := InvalidRequest(Issue{"tools.0.name", "Field required"})
	plain := Invalid("Invalid Icon URL scheme: 'http'. Allowed schemes are: 'https'.")
	schema := &RequestError{Title: "server_json does not match schema x", Issues: []Issue{{"server_json/name", "bad"}}}
	for _, tc := range []struct {
		name string
		errs []error
		want string // "" = nil
	}{
		{"none", []error{nil, nil}, ""},
		{"issues merge in order", []error{a, nil, b}, "Invalid request: server_json.version: Field required; tools.0.name: Field required"},
		{"plain error after issues wins", []error{a, plain}, plain.Error()},
		{"first plain error wins", []error{plain, Invalid("later")}, plain.Error()},
		{"other titles are not merged", []error{schema, b}, schema.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := JoinRequest(tc.errs...)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
