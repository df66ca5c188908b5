package ecs

import (
	"encoding/base64"
)

// paginate cuts a sorted listing after the item a nextToken names; tokens
// are the base64 of the last item returned.
func paginate(items []string, token string, max *int32, limit int32) ([]string, *string, error) {
	n := limit
	if max != nil {
		n = *max
	}
	if n < 1 || n > limit {
		return nil, nil, invalidParameter("maxResults must be between 1 and %d.", limit)
	}
	start := 0
	if token != "" {
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, nil, invalidParameter("Invalid nextToken.")
		}
		for start < len(items) && items[start] <= string(after) {
			start++
		}
	}
	end := min(start+int(n), len(items))
	var next *string
	if end < len(items) {
		t := base64.RawURLEncoding.EncodeToString([]byte(items[end-1]))
		next = &t
	}
	return nonNil(items[start:end]), next, nil
}

func validateTags(tags []Tag) error {
	if len(tags) > 50 {
		return invalidParameter("A resource can have at most 50 tags.")
	}
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || len(t.Value) > 256 {
			return invalidParameter("Tag keys must be 1 to 128 characters and values at most 256.")
		}
	}
	return nil
}
