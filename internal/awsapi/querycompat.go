package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"time"
)

// A query-compatible service (CloudWatch) is an awsQuery service that
// newer clients call in other protocols with the same operations and
// error codes: botocore in awsJson1_0 (X-Amz-Target
// GraniteServiceVersion20100801.<Operation>), aws-sdk-go-v2 in Smithy RPC
// v2 CBOR (rpcv2cbor.go). Portolan serves them from the service's
// QueryHandlers: the input is flattened into the awsQuery form of the
// same members, the output walked into a tree (outputTree) and written in
// the caller's protocol.

// AddQueryCompatibleJSON also serves the awsQuery service s over
// awsJson1_0 under targetPrefix.
func (m *Mux) AddQueryCompatibleJSON(targetPrefix string, s *QueryService) {
	js := NewJSONService(targetPrefix, "message")
	js.queryCompatible = true
	for name, h := range s.ops {
		js.Handle(name, func(ctx context.Context, body []byte) (any, error) {
			params, err := JSONToQuery(body)
			if err != nil {
				return nil, Errorf("SerializationException", "%v", err)
			}
			out, err := h(ctx, params)
			if err != nil || out == nil {
				return out, err
			}
			return jsonTree(outputTree(reflect.ValueOf(out))), nil
		})
	}
	m.AddJSON(js)
}

// JSONToQuery flattens a JSON input object into the awsQuery form of the
// same input, as CBORToQuery does a CBOR one (timestamps arrive as epoch
// seconds, which the services' timestamp parsing reads).
func JSONToQuery(body []byte) (url.Values, error) {
	params := url.Values{}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the request body is not a JSON object")
	}
	for k, x := range m {
		if err := flattenJSON(params, k, x); err != nil {
			return nil, err
		}
	}
	return params, nil
}

func flattenJSON(params url.Values, path string, v any) error {
	if len(params) > maxCBORParams {
		return fmt.Errorf("the request has too many members")
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			params.Set(path, "")
		}
		for k, x := range v {
			if err := flattenJSON(params, path+"."+k, x); err != nil {
				return err
			}
		}
	case []any:
		if len(v) == 0 {
			params.Set(path, "")
		}
		for i, x := range v {
			if err := flattenJSON(params, path+".member."+strconv.Itoa(i+1), x); err != nil {
				return err
			}
		}
	case string:
		params.Set(path, v)
	case json.Number:
		params.Set(path, v.String())
	case bool:
		params.Set(path, strconv.FormatBool(v))
	case nil:
	}
	return nil
}

// outputTree walks an operation's output as the query encoder does (the
// same members left out: nil pointers and lists, empty strings) into
// map[string]any, []any and scalars, time.Time kept as it is.
func outputTree(v reflect.Value) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t
		}
		m := map[string]any{}
		structTree(m, v)
		return m
	case reflect.Slice:
		l := make([]any, 0, v.Len())
		for i := range v.Len() {
			if x := outputTree(v.Index(i)); x != nil {
				l = append(l, x)
			}
		}
		return l
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Float64:
		if f := v.Float(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
	return nil
}

func structTree(m map[string]any, v reflect.Value) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		fv := v.Field(i)
		if !f.IsExported() || omitQueryField(fv) {
			continue
		}
		if f.Anonymous && fv.Kind() == reflect.Struct {
			structTree(m, fv)
			continue
		}
		if x := outputTree(fv); x != nil {
			m[f.Name] = x
		}
	}
}

// jsonTree makes a tree JSON-ready: timestamps as epoch seconds, as the
// JSON protocols write them.
func jsonTree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonTree(x)
		}
	case []any:
		for i, x := range v {
			v[i] = jsonTree(x)
		}
	case time.Time:
		return float64(v.UnixMilli()) / 1e3
	}
	return v
}
