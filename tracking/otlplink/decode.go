package otlplink

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span attributes the linker reads; everything else in an export is ignored.
const (
	AttrServerName     = "mlflow.mcp_server.name"
	AttrServerVersion  = "mlflow.mcp_server.version"
	AttrServerAlias    = "mlflow.mcp_server.alias"
	AttrMCPMethod      = "mcp.method.name"
	AttrURLFull        = "url.full"
	AttrServerAddress  = "server.address"
	AttrServerPort     = "server.port"
	attrMLflowTraceReq = "mlflow.traceRequestId"
)

var wantedAttrs = map[string]bool{
	AttrServerName: true, AttrServerVersion: true, AttrServerAlias: true, AttrMCPMethod: true,
	AttrURLFull: true, AttrServerAddress: true, AttrServerPort: true, attrMLflowTraceReq: true,
}

// span is what the linker keeps of one exported span.
type span struct {
	traceID [16]byte
	client  bool              // SPAN_KIND_CLIENT
	attrs   map[string]string // the wanted attributes, scalar values as text
}

var errUndecodable = errors.New("otlplink: undecodable export")

// decodeExport reads an OTLP/HTTP trace export body: protobuf or JSON
// (Content-Type), identity, gzip or deflate (Content-Encoding), as MLflow's
// receiver accepts them. A decompressed body over maxBytes is refused.
func decodeExport(body []byte, contentType, contentEncoding string, maxBytes int64) ([]span, error) {
	raw, err := decompress(body, contentEncoding, maxBytes)
	if err != nil {
		return nil, err
	}
	media, _, _ := mime.ParseMediaType(contentType)
	switch strings.ToLower(media) {
	case "application/x-protobuf", "application/protobuf":
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("%w: protobuf: %v", errUndecodable, err)
		}
		return protoSpans(&req), nil
	case "application/json":
		return jsonSpans(raw)
	}
	return nil, fmt.Errorf("%w: content type %q", errUndecodable, contentType)
}

func decompress(body []byte, encoding string, maxBytes int64) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		if int64(len(body)) > maxBytes {
			return nil, fmt.Errorf("%w: body over %d bytes", errUndecodable, maxBytes)
		}
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", errUndecodable, err)
		}
		r = zr
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped; some clients send raw DEFLATE,
		// which MLflow's receiver also accepts.
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
	default:
		return nil, fmt.Errorf("%w: content encoding %q", errUndecodable, encoding)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUndecodable, encoding, err)
	}
	if int64(len(out)) > maxBytes {
		return nil, fmt.Errorf("%w: decompressed body over %d bytes", errUndecodable, maxBytes)
	}
	return out, nil
}

func protoSpans(req *coltracepb.ExportTraceServiceRequest) []span {
	var out []span
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				if len(s.GetTraceId()) != 16 {
					continue // MLflow cannot store it either
				}
				sp := span{client: s.GetKind() == tracepb.Span_SPAN_KIND_CLIENT}
				copy(sp.traceID[:], s.GetTraceId())
				for _, kv := range s.GetAttributes() {
					if wantedAttrs[kv.GetKey()] {
						if v, ok := anyText(kv.GetValue()); ok {
							sp.setAttr(kv.GetKey(), v)
						}
					}
				}
				out = append(out, sp)
			}
		}
	}
	return out
}

func (s *span) setAttr(k, v string) {
	if s.attrs == nil {
		s.attrs = map[string]string{}
	}
	s.attrs[k] = v
}

// anyText renders a scalar attribute value; lists, maps and bytes are not
// names, versions, URLs or ports.
func anyText(v *commonpb.AnyValue) (string, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue, true
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue), true
	}
	return "", false
}

// parseID reads an OTLP/JSON trace id: 32 hex digits as the OTLP
// specification requires, or the base64 of 16 bytes that a generic protobuf
// JSON encoder writes.
func parseID(s string) ([16]byte, bool) {
	var id [16]byte
	if len(s) == 32 {
		if _, err := hex.Decode(id[:], []byte(s)); err == nil {
			return id, true
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}
