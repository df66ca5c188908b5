package apigw

import (
	"strconv"

	"github.com/portolan/portolan/internal/awsapi"
)

// maxPageSize caps maxResults. The API reference types maxResults as a
// string and documents no bound; 500 keeps one page's JSON modest.
const maxPageSize = 500

// PageInput is the pagination of the Get* listings: query parameters
// maxResults and nextToken.
type PageInput struct {
	MaxResults string `json:"-"`
	NextToken  string `json:"-"`
}

// pager is apigatewayv2's paging. Without maxResults the whole remainder
// is one page (AWS's default page size is undocumented).
var pager = awsapi.Pager{
	Max:      maxPageSize,
	BadSize:  badRequest("maxResults must be a number between 1 and %d", maxPageSize),
	BadToken: badRequest("The nextToken is invalid"),
}

// page cuts an id-ordered listing after the id the token names. maxResults
// travels as a string: one that is not a number is refused as one out of
// range.
func page[T any](items []T, id func(T) string, in PageInput) ([]T, string, error) {
	var size *int
	if in.MaxResults != "" {
		n, err := strconv.Atoi(in.MaxResults)
		if err != nil {
			return nil, "", pager.BadSize
		}
		size = &n
	}
	return awsapi.Paginate(pager, items, id, in.NextToken, size)
}

// Page is a listing's envelope: {"items":[...],"nextToken":"..."}.
type Page[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken,omitempty"`
}

// pageOf pages through one of an API record's maps in id order.
func pageOf[T any](m map[string]*T, in PageInput) (*Page[*T], error) {
	ids := sortedKeys(m)
	ids, next, err := page(ids, func(id string) string { return id }, in)
	if err != nil {
		return nil, err
	}
	out := &Page[*T]{Items: make([]*T, 0, len(ids)), NextToken: next}
	for _, id := range ids {
		out.Items = append(out.Items, m[id])
	}
	return out, nil
}
