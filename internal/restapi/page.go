package restapi

import (
	"strconv"

	"github.com/portolan/portolan/internal/awsapi"
)

// Paging of the v1 listings: query parameters limit (1 to 500, default 25,
// as the API reference documents) and position, an opaque token; the
// answer is {"item":[...],"position":"..."}.
const (
	maxPageSize     = 500
	defaultPageSize = 25
)

// PageInput is the pagination of a Get* listing.
type PageInput struct {
	Limit    string `json:"-"`
	Position string `json:"-"`
}

var pager = awsapi.Pager{
	Max:      maxPageSize,
	Default:  defaultPageSize,
	BadSize:  badRequest("Invalid limit: must be a number between 1 and %d", maxPageSize),
	BadToken: badRequest("Invalid position parameter"),
}

// Page is a listing's envelope.
type Page[T any] struct {
	Item     []T    `json:"item"`
	Position string `json:"position,omitempty"`
}

// page cuts a listing sorted by key after the key the position names.
func page[T any](items []T, key func(T) string, in PageInput) (*Page[T], error) {
	var size *int
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil {
			return nil, pager.BadSize
		}
		size = &n
	}
	out, next, err := awsapi.Paginate(pager, items, key, in.Position, size)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return &Page[T]{Item: out, Position: next}, nil
}

func pageInput(r *awsapi.RESTRequest) PageInput {
	q := r.URL.Query()
	return PageInput{Limit: q.Get("limit"), Position: q.Get("position")}
}
