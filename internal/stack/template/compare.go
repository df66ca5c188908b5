package template

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// PropertiesEqual reports whether two resolved property maps describe the
// same resource configuration, so that a deployer can skip an update whose
// resolved properties did not change.
//
// Scalars compare by the text CloudFormation would hand to the service:
// 2, 2.0, int64(2), float64(2), json.Number("2") and "2" are equal, as are
// true and "true". Resource providers coerce template values to the types
// their schemas declare, so `Cpu: 512` and `Cpu: "512"` configure the same
// task definition; and state that went through JSON comes back with every
// number a float64. Strings are never parsed, so "2.0" and 2 differ, as do
// "02" and 2: those texts would reach the service differently.
//
// Lists compare in order (reordering Tags is a change). A key whose value is
// null counts as absent.
func PropertiesEqual(a, b map[string]any) bool {
	return valuesEqual(a, b)
}

func valuesEqual(a, b any) bool {
	a, b = normalize(a), normalize(b)
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		// A missing key reads as nil, so null and absent compare equal.
		for k, xv := range x {
			if !valuesEqual(xv, y[k]) {
				return false
			}
		}
		for k, yv := range y {
			if _, seen := x[k]; !seen && yv != nil {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	xs, ok1 := scalarString(a)
	ys, ok2 := scalarString(b)
	return ok1 && ok2 && xs == ys
}

// normalize maps the Go types a deployer may hand in (recorded attributes,
// properties read back from the store) onto the tree's own: int64, float64,
// []any, map[string]any. Values of other types come back unchanged.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		return uintValue(uint64(x))
	case uint64:
		return uintValue(x)
	case float32:
		return float64(x)
	case json.Number:
		return jsonNumber(string(x))
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	}
	return v
}

func uintValue(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

// deepNormalize copies v into the tree's types all the way down, refusing
// values that have no template equivalent.
func deepNormalize(v any, path string) (any, error) {
	v = normalize(v)
	switch x := v.(type) {
	case nil, string, bool, int64, float64:
		return x, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := deepNormalize(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := deepNormalize(e, child(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unsupported value of type %T (use strings, numbers, booleans, lists and maps)", path, v)
}
