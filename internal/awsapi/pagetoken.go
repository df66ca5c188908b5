package awsapi

import "encoding/base64"

// PageToken is the NextToken that resumes a listing after the item with
// key: the same token Paginate hands out. Listings that cannot be one
// slice (filtered while read from the store, or in descending order) page
// with it and PageTokenKey so that every service's tokens stay one format.
func PageToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// PageTokenKey returns the key a PageToken names; ok is false when token
// is not one of ours.
func PageTokenKey(token string) (key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	return string(b), true
}
