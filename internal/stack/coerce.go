package stack

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// coerce converts scalars in a CloudFormation property tree to the kinds
// the API input type t expects, as CloudFormation does: a Ref to a Number
// parameter yields "2" where the API wants 2, and templates write 256 where
// the API wants "256". Keys match json names case-insensitively, as
// encoding/json matches them.
func coerce(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			out := make(map[string]any, len(x))
			for k, val := range x {
				if f, ok := fieldByJSONName(t, k); ok {
					out[k] = coerce(val, f.Type)
				} else {
					out[k] = val
				}
			}
			return out
		case reflect.Map:
			out := make(map[string]any, len(x))
			for k, val := range x {
				out[k] = coerce(val, t.Elem())
			}
			return out
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			out := make([]any, len(x))
			for i, val := range x {
				out[i] = coerce(val, t.Elem())
			}
			return out
		}
	case string:
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n
			}
		case reflect.Float32, reflect.Float64:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f
			}
		case reflect.Bool:
			if b, err := strconv.ParseBool(x); err == nil {
				return b
			}
		}
	case int64, float64, json.Number, int:
		if t.Kind() == reflect.String {
			return jsonScalar(x)
		}
	case bool:
		if t.Kind() == reflect.String {
			return strconv.FormatBool(x)
		}
	}
	return v
}

func jsonScalar(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldByJSONName finds a struct field by its json name, ignoring case,
// looking through embedded structs.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if inner, ok := fieldByJSONName(f.Type, name); ok {
				return inner, true
			}
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
