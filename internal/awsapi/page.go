package awsapi

import (
	"encoding/base64"
	"strconv"
)

// Pager is one service's way of paging its listings: the page sizes it
// allows and the errors it answers bad input with. The listing itself is
// any slice in key order.
type Pager struct {
	// Max is the largest page a caller may ask for; Default is the page
	// size when MaxResults is absent (0: everything that remains).
	Max, Default int
	// BadSize answers a MaxResults outside 1..Max, BadToken a NextToken
	// that is not one of ours.
	BadSize, BadToken *Error
}

// size is the page size maxResults asks for: the Pager's default when it is
// nil, everything that remains (of n) when that default is 0.
func (p Pager) size(maxResults *int, n int) (int, error) {
	size := p.Default
	if maxResults != nil {
		size = *maxResults
		if size < 1 || size > p.Max {
			return 0, p.BadSize
		}
	}
	if size == 0 {
		size = n
	}
	return size, nil
}

// Paginate cuts items (sorted by key) after the key a nextToken names, to
// a page of maxResults (nil: the Pager's default). Tokens are opaque to
// clients: the base64 of the last key returned, so a listing that changes
// between two calls resumes after the last item seen, never repeating
// one. next is "" on the last page.
func Paginate[T any](p Pager, items []T, key func(T) string, token string, maxResults *int) (page []T, next string, err error) {
	size, err := p.size(maxResults, len(items))
	if err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", p.BadToken
		}
		for start < len(items) && key(items[start]) <= string(after) {
			start++
		}
	}
	end := min(start+size, len(items))
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return items[start:end], next, nil
}

// PaginateByPosition pages a listing in an order no key sorts by (ECS's
// ListTaskDefinitions with sort DESC): the token is the decimal position
// reached, so a listing that changes between two calls may repeat or
// skip an item. A token past the end of items is bad.
func PaginateByPosition[T any](p Pager, items []T, token string, maxResults *int) (page []T, next string, err error) {
	size, err := p.size(maxResults, len(items))
	if err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		start, err = strconv.Atoi(token)
		if err != nil || start < 0 || start > len(items) {
			return nil, "", p.BadToken
		}
	}
	end := min(start+size, len(items))
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

// StringPtr returns nil for "", else &s: the optional string members
// (NextToken) that the JSON protocols omit when unset.
func StringPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
