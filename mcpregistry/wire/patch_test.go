package wire

import (
	"encoding/json"
	"testing"
)

func TestPatchRequestsEncodeAbsentNullAndValue(t *testing.T) {
	status := "active"
	for _, tc := range []struct {
		name string
		req  any
		want string
	}{
		{"server empty patch", UpdateServerRequest{}, `{}`},
		{"server set", UpdateServerRequest{DisplayName: Value("Search")}, `{"display_name":"Search"}`},
		{"server set empty string", UpdateServerRequest{Description: Value("")}, `{"description":""}`},
		{"server clear", UpdateServerRequest{DisplayName: Null[string](), Icons: Null[json.RawMessage]()},
			`{"display_name":null,"icons":null}`},
		{"server icons list", UpdateServerRequest{Icons: Value(json.RawMessage(`[]`))}, `{"icons":[]}`},
		{"version status only", UpdateVersionRequest{Status: &status}, `{"status":"active"}`},
		{"version clear tools", UpdateVersionRequest{Tools: Null[json.RawMessage]()}, `{"tools":null}`},
		{"endpoint url", UpdateEndpointRequest{URL: &status}, `{"url":"active"}`},
		{"endpoint empty", UpdateEndpointRequest{}, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// The client's encoding must mean to the server's decoder what it means to
// the caller: absent stays absent, Null arrives as a set null.
func TestPatchRoundTripsThroughServerDecoding(t *testing.T) {
	for _, tc := range []struct {
		name           string
		p              Patch[string]
		set, null      bool
		wantValue      string
		wantValueIsSet bool
	}{
		{name: "absent"},
		{name: "null", p: Null[string](), set: true, null: true},
		{name: "value", p: Value("x"), set: true, wantValue: "x", wantValueIsSet: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := json.Marshal(UpdateServerRequest{DisplayName: tc.p})
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseBody(data)
			if err != nil {
				t.Fatal(err)
			}
			f := b.NullableString("display_name")
			if f.Set != tc.set || (f.Value == nil) != !tc.wantValueIsSet {
				t.Fatalf("decoded %+v", f)
			}
			if f.Value != nil && *f.Value != tc.wantValue {
				t.Errorf("value %q", *f.Value)
			}
			var back UpdateServerRequest
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if back.DisplayName.IsZero() == tc.set || back.DisplayName.IsNull() != tc.null {
				t.Errorf("unmarshalled %+v", back.DisplayName)
			}
			if v, ok := back.DisplayName.Get(); ok != tc.wantValueIsSet || v != tc.wantValue {
				t.Errorf("Get = %q, %v", v, ok)
			}
		})
	}
}

func TestPatchUnmarshalRejectsWrongType(t *testing.T) {
	var r UpdateServerRequest
	if err := json.Unmarshal([]byte(`{"display_name": 3}`), &r); err == nil {
		t.Fatal("a number decoded into Patch[string]")
	}
}
