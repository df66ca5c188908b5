package apigw

import (
	"encoding/base64"
	"strconv"
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

// page cuts an id-ordered listing after the id the token names. Tokens are
// opaque to clients: the base64 of the last id returned. Without maxResults
// the whole remainder is one page (AWS's default page size is undocumented).
func page[T any](items []T, id func(T) string, in PageInput) ([]T, string, error) {
	limit := len(items)
	if in.MaxResults != "" {
		n, err := strconv.Atoi(in.MaxResults)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, "", badRequest("maxResults must be a number between 1 and %d", maxPageSize)
		}
		limit = n
	}
	start := 0
	if in.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, "", badRequest("The nextToken is invalid")
		}
		for start < len(items) && id(items[start]) <= string(after) {
			start++
		}
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(id(items[end-1])))
	}
	return items[start:end], next, nil
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
