package awsapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Smithy RPC v2 CBOR is what newer SDKs (aws-sdk-go-v2's CloudWatch among
// them) speak to services that were awsQuery: POST
// /service/<ServiceShape>/operation/<Operation> with a CBOR map of the
// input's members, answered with a CBOR map of the output's. Such a
// service keeps its awsQuery semantics ("query compatible"), so Portolan
// serves it with the same operations: the CBOR input is flattened into
// the awsQuery form its QueryHandlers already read, and their output is
// written back as CBOR. CBOR itself is smithy-go's codec, the one the
// SDKs use.

// isRPCv2CBOR reports whether r is a Smithy RPC v2 CBOR call.
func isRPCv2CBOR(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor"
}

// AddRPCv2CBOR also serves the awsQuery service s over RPC v2 CBOR under
// its Smithy service shape name (CloudWatch's GraniteServiceVersion20100801).
func (m *Mux) AddRPCv2CBOR(serviceShape string, s *QueryService) { m.cbor[serviceShape] = s }

// cborOperation splits /service/<service>/operation/<op>.
func cborOperation(path string) (service, op string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/service/")
	if !ok {
		return "", "", false
	}
	service, op, ok = strings.Cut(rest, "/operation/")
	return service, op, ok && service != "" && op != "" && !strings.Contains(op, "/")
}

func (m *Mux) serveRPCv2CBOR(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte, logger *slog.Logger) {
	service, op, ok := cborOperation(r.URL.Path)
	s := m.cbor[service]
	if !ok || s == nil {
		writeCBORError(w, StatusErrorf(http.StatusNotFound, "UnknownOperationException", "no operation matches %s", r.URL.Path))
		return
	}
	h, ok := s.ops[op]
	if !ok {
		writeCBORError(w, StatusErrorf(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", op))
		return
	}
	params, err := CBORToQuery(body)
	if err != nil {
		writeCBORError(w, StatusErrorf(http.StatusBadRequest, "SerializationException", "%v", err))
		return
	}
	out, err := h(ctx, params)
	if err != nil {
		logFailure(logger, ctx, op, err)
		writeCBORError(w, AsError(err))
		return
	}
	v := cbor.Value(cbor.Map{})
	if out != nil {
		if enc := toCBOR(reflect.ValueOf(out)); enc != nil {
			v = enc
		}
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(http.StatusOK)
	w.Write(cbor.Encode(v))
}

// writeCBORError answers with the error's code as __type and, because
// these services are query compatible, the awsQuery code and fault in
// X-Amzn-Query-Error, which the SDKs report as the error code.
func writeCBORError(w http.ResponseWriter, e *Error) {
	fault := "Sender"
	if e.Status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("X-Amzn-Query-Error", e.Code+";"+fault)
	w.WriteHeader(e.Status)
	w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(e.Code), "message": cbor.String(e.Message)}))
}

// maxCBORParams bounds the form a CBOR body may flatten into, as
// maxBodyBytes bounds the body.
const maxCBORParams = 100_000

// CBORToQuery flattens a CBOR input map into the awsQuery form of the
// same input: members by name, nested structures by dotted path, lists as
// Name.member.N, maps as Name.entry.N.key/value, timestamps (tag 1) in
// ISO 8601, blobs in base64.
func CBORToQuery(body []byte) (url.Values, error) {
	params := url.Values{}
	if len(body) == 0 {
		return params, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return nil, fmt.Errorf("the request body is not a CBOR map")
	}
	for k, v := range m {
		if err := flattenCBOR(params, k, v); err != nil {
			return nil, err
		}
	}
	return params, nil
}

func flattenCBOR(params url.Values, path string, v cbor.Value) error {
	if len(params) > maxCBORParams {
		return fmt.Errorf("the request has too many members")
	}
	switch v := v.(type) {
	case cbor.Map:
		if len(v) == 0 {
			params.Set(path, "")
		}
		for k, x := range v {
			if err := flattenCBOR(params, path+"."+k, x); err != nil {
				return err
			}
		}
	case cbor.List:
		if len(v) == 0 {
			params.Set(path, "")
		}
		for i, x := range v {
			if err := flattenCBOR(params, path+".member."+strconv.Itoa(i+1), x); err != nil {
				return err
			}
		}
	case *cbor.Tag:
		t, err := cbor.AsTime(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		params.Set(path, t.UTC().Format(time.RFC3339Nano))
	case cbor.String:
		params.Set(path, string(v))
	case cbor.Slice:
		params.Set(path, base64.StdEncoding.EncodeToString(v))
	case cbor.Bool:
		params.Set(path, strconv.FormatBool(bool(v)))
	case cbor.Uint:
		params.Set(path, strconv.FormatUint(uint64(v), 10))
	case cbor.NegInt:
		n, err := cbor.AsInt64(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		params.Set(path, strconv.FormatInt(n, 10))
	case cbor.Float32, cbor.Float64:
		f, _ := cbor.AsFloat64(v)
		params.Set(path, strconv.FormatFloat(f, 'g', -1, 64))
	case *cbor.Nil, *cbor.Undefined:
	default:
		return fmt.Errorf("%s: unexpected CBOR value %T", path, v)
	}
	return nil
}

// toCBOR writes an output value (see outputTree) as CBOR: timestamps as
// tag 1 epoch seconds.
func toCBOR(v reflect.Value) cbor.Value { return cborTree(outputTree(v)) }

func cborTree(v any) cbor.Value {
	switch v := v.(type) {
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, x := range v {
			m[k] = cborTree(x)
		}
		return m
	case []any:
		l := make(cbor.List, len(v))
		for i, x := range v {
			l[i] = cborTree(x)
		}
		return l
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(v.UnixNano()) / 1e9)}
	case string:
		return cbor.String(v)
	case bool:
		return cbor.Bool(v)
	case int64:
		if v < 0 {
			return cbor.NegInt(uint64(-v)) // NegInt(k) is -k
		}
		return cbor.Uint(uint64(v))
	case float64:
		return cbor.Float64(v)
	}
	return nil
}
