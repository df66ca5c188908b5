package iam

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/restapi/policy"
)

// namePattern is what IAM accepts in role, policy and profile names.
var namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)

// checkName checks a name member against IAM's pattern and length.
func checkName(member, name string, max int) error {
	switch {
	case name == "":
		return missing(member)
	case len(name) > max:
		return ErrValidation.Newf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, member, max)
	case !namePattern.MatchString(name):
		return ErrValidation.Newf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name, member)
	}
	return nil
}

// checkPath checks a Path member; empty means "/".
func checkPath(path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if len(path) > 512 || !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") || strings.Contains(path, "//") && path != "/" {
		return "", ErrValidation.Newf("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return path, nil
}

// IAM's quotas on policy sizes, in characters other than white space.
const (
	maxTrustPolicy   = 2048  // a role's trust policy (ACLSizePerRole)
	maxManagedPolicy = 6144  // one version of a managed policy (PolicySize)
	maxInlinePolicy  = 10240 // all inline policies of a role together
)

// policySize is a document's size as IAM counts it: white space is free.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkDocument checks a policy document of the given form, answering a
// fault as IAM's MalformedPolicyDocument.
func checkDocument(member, doc string, form policy.Form) error {
	if doc == "" {
		return missing(member)
	}
	if len(doc) > 131072 {
		return ErrValidation.Newf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 131072", member)
	}
	if err := policy.Check(doc, form); err != nil {
		if pe, ok := err.(*policy.ParseError); ok && pe.Path == "" {
			return malformed("Syntax errors in policy.")
		}
		return malformed(err.Error())
	}
	return nil
}

// checkQuota refuses a document over one of IAM's size quotas.
func checkQuota(doc, quota string, max int) error {
	if policySize(doc) > max {
		return ErrLimitExceeded.Newf("Cannot exceed quota for %s: %d", quota, max)
	}
	return nil
}

// checkTags checks the tags of a create or TagX call: at most 50, keys of
// 1 to 128 characters, values up to 256.
func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return ErrLimitExceeded.Newf("The number of tags has reached the maximum limit.")
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return ErrValidation.Newf("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: keys must have length between 1 and 128, values at most 256", t.Key)
		}
	}
	return nil
}

func tagKey(t Tag) string { return t.Key }

// pager pages IAM's List answers: MaxItems 1 to 1000, 100 by default.
var pager = awsapi.Pager{Max: 1000, Default: 100,
	BadSize:  ErrValidation.Newf("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"),
	BadToken: ErrValidation.Newf("Invalid Marker."),
}

// paginate is one page of items (sorted by key) and its paging members.
func paginate[T any](items []T, key func(T) string, in Paging) ([]T, Page, error) {
	page, next, err := awsapi.Paginate(pager, items, key, in.Marker, in.MaxItems)
	return page, Page{IsTruncated: next != "", Marker: next}, err
}
