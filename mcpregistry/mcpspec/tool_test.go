package mcpspec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

func TestCanonicalTools(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want: stored JSON, or the error message
	}{
		{name: "null", in: `null`, want: `null`},
		{name: "empty", in: `[]`, want: `[]`},
		{name: "declared order, nulls and unknown keys dropped",
			in: `[{"execution":{"taskSupport":"optional"},"icons":[],"x":1,"annotations":null,"inputSchema":{"type":"object","properties":{}},` +
				`"description":"Does things","title":null,"name":"t1","outputSchema":{"b":1,"a":2}}]`,
			want: `[{"name":"t1","description":"Does things","inputSchema":{"type":"object","properties":{}},"outputSchema":{"b":1,"a":2},"icons":[],"execution":{"taskSupport":"optional"}}]`},
		{name: "tool icons in MLflow's icon form", in: `[{"name":"t","icons":[{"src":"https://example.com/t.png","extra":"kept","mimeType":"IMAGE/PNG"}]}]`,
			want: `[{"name":"t","icons":[{"extra":"kept","src":"https://example.com/t.png","mimeType":"image/png"}]}]`},
		{name: "not a list", in: `{"name":"t"}`, want: "Invalid request: tools: Input should be a valid list"},
		{name: "not an object", in: `["t"]`, want: "Invalid request: tools.0: Input should be a valid dictionary or instance of MCPToolRequestPayload"},
		{name: "wrong types in field order",
			in: `[{"execution":[],"icons":{},"annotations":"a","outputSchema":1,"inputSchema":true,"description":2,"title":3,"name":null}]`,
			want: "Invalid request: tools.0.name: Input should be a valid string; tools.0.title: Input should be a valid string; " +
				"tools.0.description: Input should be a valid string; tools.0.inputSchema: Input should be a valid dictionary; " +
				"tools.0.outputSchema: Input should be a valid dictionary; tools.0.annotations: Input should be a valid dictionary; " +
				"tools.0.icons: Input should be a valid list; tools.0.execution: Input should be a valid dictionary"},
		{name: "issues of several tools", in: `[{"title":"x"},{"name":"ok"},{"name":"t","icons":[{}]}]`,
			want: "Invalid request: tools.0.name: Field required; tools.2.icons.0.src: Field required"},
		{name: "tool icon URL failure", in: `[{"title":"x"},{"name":"t","icons":[{"src":"https://10.0.0.1/i.png"}]}]`,
			want: "Icon URL must not resolve to a non-public IP address. '10.0.0.1' resolves to 10.0.0.1."},
		{name: "tool icon theme", in: `[{"name":"t","icons":[{"src":"https://example.com/i.png","theme":"sepia"}]}]`,
			want: "Invalid icon theme 'sepia' at tools.0.icons.0.theme. Allowed values: 'light', 'dark'."},
	} {
		t.Run(tc.name, func(t *testing.T) { checkStored(t, CanonicalTools, "tools", tc.in, tc.want) })
	}
}

func TestToolListLimit(t *testing.T) {
	list := func(n int) json.RawMessage {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"name":"t%d"}`, i)
		}
		return json.RawMessage("[" + strings.Join(items, ",") + "]")
	}
	if _, err := CanonicalTools(context.Background(), list(MaxTools), "tools", testPolicy()); err != nil {
		t.Fatalf("%d tools: %v", MaxTools, err)
	}
	_, err := CanonicalTools(context.Background(), list(MaxTools+1), "tools", testPolicy())
	if want := "Invalid request: tools: List should have at most 1000 items after validation, not 1001"; errText(t, err) != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestToolForms(t *testing.T) {
	ctx := context.Background()
	if tools, err := ParseTools(ctx, json.RawMessage(`null`), "tools", testPolicy()); err != nil || tools != nil {
		t.Fatalf("null: %#v, %v", tools, err)
	}
	empty, err := ParseTools(ctx, json.RawMessage(`[]`), "tools", testPolicy())
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("[]: %#v, %v", empty, err)
	}
	in := `[{"name":"t1","inputSchema":{"type":"object"}},{"name":"t2","title":"T","icons":[{"src":"https://example.com/t.png","extra":"kept"}]}]`
	tools, err := ParseTools(ctx, json.RawMessage(in), "tools", testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	// Response form: MCPToolResponsePayload, every key present.
	resp, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	wantResp := `[{"name":"t1","title":null,"description":null,"inputSchema":{"type":"object"},"outputSchema":null,"annotations":null,"icons":null,"execution":null},` +
		`{"name":"t2","title":"T","description":null,"inputSchema":null,"outputSchema":null,"annotations":null,"icons":[{"extra":"kept","src":"https://example.com/t.png"}],"execution":null}]`
	if string(resp) != wantResp {
		t.Fatalf("response form\n got  %s\n want %s", resp, wantResp)
	}
	// Storage form: unset keys omitted.
	stored, err := EncodeTools(tools)
	if err != nil {
		t.Fatal(err)
	}
	wantStored := `[{"name":"t1","inputSchema":{"type":"object"}},{"name":"t2","title":"T","icons":[{"extra":"kept","src":"https://example.com/t.png"}]}]`
	if string(stored) != wantStored {
		t.Fatalf("storage form\n got  %s\n want %s", stored, wantStored)
	}
	if nilStored, _ := EncodeTools(nil); nilStored != nil {
		t.Fatalf("EncodeTools(nil) = %s, want nil (SQL NULL)", nilStored)
	}
	if emptyStored, _ := EncodeTools([]Tool{}); string(emptyStored) != "[]" {
		t.Fatalf("EncodeTools([]) = %s", emptyStored)
	}
	// Reading the response form back gives the same tools.
	var back []Tool
	if err := json.Unmarshal(resp, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := EncodeTools(back); string(again) != wantStored {
		t.Fatalf("round trip %s", again)
	}
	for _, bad := range []string{`{"name":"t"}`, `[1]`, `[{"name":"t","icons":{}}]`, `[{"name":"t","name":"u"}]`} {
		_, err := DecodeTools([]byte(bad))
		if err == nil {
			t.Errorf("DecodeTools(%s) accepted", bad)
		} else if errors.Is(err, mlflowerr.ErrInvalid) {
			t.Errorf("DecodeTools(%s): corrupt stored data reported as a client error: %v", bad, err)
		}
	}
}
