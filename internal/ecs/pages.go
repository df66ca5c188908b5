package ecs

import "github.com/portolan/portolan/internal/awsapi"

// ECS's listings allow pages of 1 to 100; ListServices and
// ListServicesByNamespace return 10 when maxResults is absent, the others
// everything up to 100.
var (
	listPager    = ecsPager(100, 100)
	servicePager = ecsPager(100, 10)
)

func ecsPager(max, def int) awsapi.Pager {
	return awsapi.Pager{Max: max, Default: def, BadSize: badMaxResults(max), BadToken: errBadNextToken}
}

// paginate cuts one page of a sorted listing of ARNs or names; an empty
// page is [], never null, on the wire.
func paginate(p awsapi.Pager, items []string, token string, maxResults *int32) ([]string, *string, error) {
	page, next, err := awsapi.Paginate(p, items, func(s string) string { return s }, token, intOf(maxResults))
	if err != nil {
		return nil, nil, err
	}
	return nonNil(page), awsapi.StringPtr(next), nil
}

// paginateByPosition is paginate for a listing in an order other than
// ascending (ListTaskDefinitions sorted DESC): the token is the position
// reached.
func paginateByPosition(p awsapi.Pager, items []string, token string, maxResults *int32) ([]string, *string, error) {
	page, next, err := awsapi.PaginateByPosition(p, items, token, intOf(maxResults))
	if err != nil {
		return nil, nil, err
	}
	return page, awsapi.StringPtr(next), nil
}

func intOf(n *int32) *int {
	if n == nil {
		return nil
	}
	i := int(*n)
	return &i
}
