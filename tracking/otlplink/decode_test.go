package otlplink

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

var (
	traceA = mustHex("0af7651916cd43dd8448eb211c80319c")
	traceB = mustHex("4bf92f3577b34da6a3ce929d0e0e4736")
)

func mustHex(s string) [16]byte {
	var id [16]byte
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		panic(err)
	}
	return id
}

func strKV(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intKV(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

// sample is an export with an MCP client span, an explicitly tagged span,
// an unrelated span and a span with a malformed trace id.
func sample() *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{
			{TraceId: traceA[:], SpanId: []byte("12345678"), Kind: tracepb.Span_SPAN_KIND_CLIENT, Attributes: []*commonpb.KeyValue{
				strKV(AttrMCPMethod, "tools/call"), strKV(AttrURLFull, "https://MCP.example.com:443/mcp/"),
				intKV(AttrServerPort, 443), strKV("http.request.method", "POST"),
				{Key: AttrServerAddress, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}},
			}},
			{TraceId: traceB[:], SpanId: []byte("abcdefgh"), Kind: tracepb.Span_SPAN_KIND_INTERNAL, Attributes: []*commonpb.KeyValue{
				strKV(AttrServerName, "io.github.acme/brave-search"), strKV(AttrServerVersion, `"1.2.0"`),
			}},
			{TraceId: traceB[:], SpanId: []byte("zzzzzzzz")},
			{TraceId: []byte("short"), SpanId: []byte("yyyyyyyy"), Attributes: []*commonpb.KeyValue{strKV(AttrServerName, "x/y")}},
		}}},
	}}}
}

var sampleSpans = []span{
	{traceID: traceA, client: true, attrs: map[string]string{AttrMCPMethod: "tools/call", AttrURLFull: "https://MCP.example.com:443/mcp/", AttrServerPort: "443"}},
	{traceID: traceB, attrs: map[string]string{AttrServerName: "io.github.acme/brave-search", AttrServerVersion: `"1.2.0"`}},
	{traceID: traceB},
}

// sampleJSON is sample() in OTLP/JSON as the specification writes it (hex
// ids, integer enums, int64 as strings).
const sampleJSON = `{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{"name":"t"},"spans":[
{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"3132333435363738","kind":3,"attributes":[
 {"key":"mcp.method.name","value":{"stringValue":"tools/call"}},
 {"key":"url.full","value":{"stringValue":"https://MCP.example.com:443/mcp/"}},
 {"key":"server.port","value":{"intValue":"443"}},
 {"key":"http.request.method","value":{"stringValue":"POST"}},
 {"key":"server.address","value":{"boolValue":true}}]},
{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"6162636465666768","kind":1,"attributes":[
 {"key":"mlflow.mcp_server.name","value":{"stringValue":"io.github.acme/brave-search"}},
 {"key":"mlflow.mcp_server.version","value":{"stringValue":"\"1.2.0\""}}]},
{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"7a7a7a7a7a7a7a7a"},
{"traceId":"73686f7274","spanId":"7979797979797979","attributes":[{"key":"mlflow.mcp_server.name","value":{"stringValue":"x/y"}}]}
]}]}]}`

// sampleJSONAlt uses what generic protobuf JSON encoders write: snake_case
// names, base64 ids, enum names and numeric int64.
const sampleJSONAlt = `{"resource_spans":[{"scope_spans":[{"spans":[
{"trace_id":"CvdlGRbNQ92ESOshHIAxnA==","kind":"SPAN_KIND_CLIENT","attributes":[
 {"key":"mcp.method.name","value":{"string_value":"tools/call"}},
 {"key":"url.full","value":{"string_value":"https://MCP.example.com:443/mcp/"}},
 {"key":"server.port","value":{"int_value":443}}]},
{"trace_id":"S/kvNXezTaajzpKdDg5HNg==","kind":"SPAN_KIND_INTERNAL","attributes":[
 {"key":"mlflow.mcp_server.name","value":{"string_value":"io.github.acme/brave-search"}},
 {"key":"mlflow.mcp_server.version","value":{"string_value":"\"1.2.0\""}}]},
{"trace_id":"S/kvNXezTaajzpKdDg5HNg=="}
]}]}]}`

func compress(t *testing.T, enc string, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		w, _ = flate.NewWriter(&b, flate.DefaultCompression)
	default:
		return raw
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeExport(t *testing.T) {
	pb, err := proto.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, contentType, wireEncoding, header string
		body                                    []byte
	}{
		{"protobuf", "application/x-protobuf", "", "", pb},
		{"protobuf identity", "application/x-protobuf", "", "identity", pb},
		{"protobuf gzip", "application/x-protobuf", "gzip", "gzip", pb},
		{"protobuf deflate", "application/x-protobuf", "deflate", "Deflate", pb},
		{"protobuf raw deflate", "application/x-protobuf", "raw-deflate", "deflate", pb},
		{"json", "application/json", "", "", []byte(sampleJSON)},
		{"json with charset, gzip", "application/json; charset=utf-8", "gzip", "gzip", []byte(sampleJSON)},
		{"json of a generic encoder", "application/json", "", "", []byte(sampleJSONAlt)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeExport(compress(t, tt.wireEncoding, tt.body), tt.contentType, tt.header, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, sampleSpans) {
				t.Fatalf("spans\n%+v\nwant\n%+v", got, sampleSpans)
			}
		})
	}
}

func TestDecodeExportRefuses(t *testing.T) {
	pb, _ := proto.Marshal(sample())
	big := bytes.Repeat([]byte{0}, 2048)
	tests := []struct {
		name, contentType, encoding string
		body                        []byte
	}{
		{"unknown content type", "text/plain", "", pb},
		{"unknown encoding", "application/x-protobuf", "br", pb},
		{"not protobuf", "application/x-protobuf", "", []byte("\xff\xff\xff")},
		{"not JSON", "application/json", "", []byte("{")},
		{"broken gzip", "application/x-protobuf", "gzip", []byte("not gzip")},
		{"over the limit", "application/x-protobuf", "", big},
		{"over the limit once decompressed", "application/x-protobuf", "gzip", compress(t, "gzip", big)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeExport(tt.body, tt.contentType, tt.encoding, 1024); !errors.Is(err, errUndecodable) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestCollectRefs(t *testing.T) {
	a, b := traceA, traceB
	mk := func(id [16]byte, client bool, kv ...string) span {
		s := span{traceID: id, client: client}
		for i := 0; i+1 < len(kv); i += 2 {
			s.setAttr(kv[i], kv[i+1])
		}
		return s
	}
	spans := []span{
		mk(b, false, AttrServerName, `"io.github.acme/brave-search"`, AttrServerVersion, "1.2.0"),
		mk(a, true, AttrMCPMethod, "tools/call", AttrURLFull, "HTTPS://Mcp.Example.com./mcp/?session=1#x"),
		mk(a, true, AttrMCPMethod, "tools/list", AttrURLFull, "https://mcp.example.com:443/mcp"), // same endpoint
		mk(a, true, AttrMCPMethod, "tools/call", AttrServerAddress, "[::1]", AttrServerPort, "8080"),
		mk(a, false, AttrMCPMethod, "tools/call", AttrURLFull, "https://server-side.example"), // not a client span
		mk(b, true, AttrServerName, "io.github.acme/brave-search", AttrServerAlias, "prod", AttrURLFull, "https://ignored"),
		mk(b, false, AttrServerName, "io.github.acme/weather"),                                               // no version or alias
		mk(b, true, AttrMCPMethod, "initialize"),                                                             // no address
		mk(b, false, attrMLflowTraceReq, `"tr-custom"`, AttrServerName, "a.b/c", AttrServerVersion, "2.0.0"), // MLflow SDK id
		mk(b, false, "other", "x"),
	}
	want := []traceRefs{
		{traceID: "tr-4bf92f3577b34da6a3ce929d0e0e4736", refs: []ref{
			{kind: refVersion, name: "io.github.acme/brave-search", value: "1.2.0"},
			{kind: refAlias, name: "io.github.acme/brave-search", value: "prod"},
			{kind: refIncomplete, name: "io.github.acme/weather"},
			{kind: refIncomplete},
		}},
		{traceID: "tr-0af7651916cd43dd8448eb211c80319c", refs: []ref{
			{kind: refURL, value: "https://mcp.example.com:443/mcp"},
			{kind: refHost, value: "::1", port: "8080"},
		}},
		{traceID: "tr-custom", refs: []ref{{kind: refVersion, name: "a.b/c", value: "2.0.0"}}},
	}
	if got := collectRefs(spans); !reflect.DeepEqual(got, want) {
		t.Fatalf("collectRefs\n%+v\nwant\n%+v", got, want)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		in, want string // want "" when not an endpoint URL
	}{
		{"https://mcp.example.com/mcp", "https://mcp.example.com:443/mcp"},
		{"HTTPS://MCP.Example.COM:443/mcp/", "https://mcp.example.com:443/mcp"},
		{"http://mcp.example.com", "http://mcp.example.com:80"},
		{"http://mcp.example.com/", "http://mcp.example.com:80"},
		{"http://mcp.example.com:8080/a/b//?q=1#f", "http://mcp.example.com:8080/a/b"},
		{"http://[::1]:9000/mcp", "http://[::1]:9000/mcp"},
		{"http://example.com./sse", "http://example.com:80/sse"},
		{"https://x.example/path%2Fwith", "https://x.example:443/path%2Fwith"},
		{"ws://mcp.example.com/", ""},
		{"/relative", ""},
		{"https://", ""},
		{"::not a url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, ok := normalizeURL(tt.in)
			got := ""
			if ok {
				got = k.String()
			}
			if got != tt.want {
				t.Fatalf("normalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]any{"on": true, "OFF": false, " true ": true, "0": false, "maybe": "error"} {
		got, err := ParseMode(in)
		if fmt.Sprint(want) == "error" {
			if err == nil {
				t.Errorf("ParseMode(%q) accepted", in)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
}
