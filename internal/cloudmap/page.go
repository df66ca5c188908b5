package cloudmap

import (
	"encoding/base64"
	"strings"
)

// ListInput is the input of ListNamespaces, ListServices and ListOperations.
type ListInput struct {
	Filters    []Filter
	MaxResults int32
	NextToken  string
}

// Filter is the filter shape shared by the List operations.
type Filter struct {
	Name      string
	Values    []string
	Condition string
}

// conditionHolds evaluates one filter's condition (EQ by default) on a value.
func conditionHolds(f Filter, v string) (bool, error) {
	if len(f.Values) == 0 {
		return false, invalidInput("Filter %s needs at least one value", f.Name)
	}
	switch f.Condition {
	case "", "EQ":
		if len(f.Values) != 1 {
			return false, invalidInput("Filter %s with condition EQ takes exactly one value", f.Name)
		}
		return v == f.Values[0], nil
	case "IN":
		for _, x := range f.Values {
			if v == x {
				return true, nil
			}
		}
		return false, nil
	case "BEGINS_WITH":
		if len(f.Values) != 1 {
			return false, invalidInput("Filter %s with condition BEGINS_WITH takes exactly one value", f.Name)
		}
		return strings.HasPrefix(v, f.Values[0]), nil
	case "BETWEEN":
		if len(f.Values) != 2 {
			return false, invalidInput("Filter %s with condition BETWEEN takes exactly two values", f.Name)
		}
		return v >= f.Values[0] && v <= f.Values[1], nil
	}
	return false, invalidInput("Filter condition %q is invalid", f.Condition)
}

// page cuts a key-ordered listing after the key a NextToken names. Tokens
// are opaque to clients: the base64 of the last key returned.
func page[T any](items []T, key func(T) string, token string, max int32, limit int32) ([]T, *string, error) {
	if max == 0 {
		max = limit
	}
	if max < 1 || max > limit {
		return nil, nil, invalidInput("MaxResults must be between 1 and %d", limit)
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, nil, invalidInput("NextToken is invalid")
		}
		for start < len(items) && key(items[start]) <= string(after) {
			start++
		}
	}
	end := min(start+int(max), len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
		next = &t
	}
	return items[start:end], next, nil
}

// nonNil makes an empty listing encode as [] rather than null, as AWS sends it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
