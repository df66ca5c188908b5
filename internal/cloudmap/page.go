package cloudmap

import (
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
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

// maxPageSize is the largest MaxResults of every List operation, and the
// page size when MaxResults is absent (0).
const maxPageSize = 100

var pager = awsapi.Pager{
	Max:      maxPageSize,
	Default:  maxPageSize,
	BadSize:  invalidInput("MaxResults must be between 1 and %d", maxPageSize),
	BadToken: invalidInput("NextToken is invalid"),
}

// page cuts a key-ordered listing after the key a NextToken names.
// MaxResults 0 is the member left out.
func page[T any](items []T, key func(T) string, token string, maxResults int32) ([]T, *string, error) {
	var size *int
	if maxResults != 0 {
		n := int(maxResults)
		size = &n
	}
	pg, next, err := awsapi.Paginate(pager, items, key, token, size)
	if err != nil {
		return nil, nil, err
	}
	return pg, awsapi.StringPtr(next), nil
}

// nonNil makes an empty listing encode as [] rather than null, as AWS sends it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
