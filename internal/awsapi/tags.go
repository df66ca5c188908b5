package awsapi

import (
	"iter"
	"slices"
)

// MaxTags is how many tags one resource may carry in every service here.
const MaxTags = 50

// TagFault says what is wrong with a resource's tags.
type TagFault int

const (
	TagsValid   TagFault = iota
	TooManyTags          // more than MaxTags
	BadTagKey            // a key outside 1..128 characters
	BadTagValue          // a value over 256 characters
)

// CheckTags applies the limits every service shares to n tags: at most
// MaxTags, keys of 1 to 128 characters, values of at most 256. It returns
// the first fault and the key it concerns; each service words its own
// error from them.
func CheckTags(n int, tags iter.Seq2[string, string]) (TagFault, string) {
	if n > MaxTags {
		return TooManyTags, ""
	}
	for k, v := range tags {
		switch {
		case len(k) < 1 || len(k) > 128:
			return BadTagKey, k
		case len(v) > 256:
			return BadTagValue, k
		}
	}
	return TagsValid, ""
}

// TagList ranges over a list-shaped tag member (ECS's and Cloud Map's
// [{key, value}]) as key-value pairs.
func TagList[T any](tags []T, kv func(T) (string, string)) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, t := range tags {
			if !yield(kv(t)) {
				return
			}
		}
	}
}

// MergeTags is TagResource on a list-shaped tag member: a tag whose key is
// already there replaces its value in place, a new one is appended, so the
// order clients see stays the order tags were first added.
func MergeTags[T any](tags, add []T, key func(T) string) []T {
	for _, t := range add {
		if i := slices.IndexFunc(tags, func(u T) bool { return key(u) == key(t) }); i >= 0 {
			tags[i] = t
		} else {
			tags = append(tags, t)
		}
	}
	return tags
}

// RemoveTags is UntagResource on a list-shaped tag member.
func RemoveTags[T any](tags []T, keys []string, key func(T) string) []T {
	return slices.DeleteFunc(tags, func(t T) bool { return slices.Contains(keys, key(t)) })
}
