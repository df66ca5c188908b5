package logs

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// The errors CloudWatch Logs answers with, codes and messages as AWS sends
// them. Every one is a client error (HTTP 400). Validation messages that
// quote the offending value are built where the value is checked, with
// invalidParam. Other packages test for a code with errors.Is and the kinds.
var (
	ErrInvalidParameter      = awsapi.Kind("InvalidParameterException", http.StatusBadRequest)
	ErrResourceAlreadyExists = awsapi.Kind("ResourceAlreadyExistsException", http.StatusBadRequest)
	ErrResourceNotFound      = awsapi.Kind("ResourceNotFoundException", http.StatusBadRequest)
	ErrTooManyTags           = awsapi.Kind("TooManyTagsException", http.StatusBadRequest)
	ErrLimitExceeded         = awsapi.Kind("LimitExceededException", http.StatusBadRequest)
)

// invalidParam is an InvalidParameterException with a formatted message.
func invalidParam(format string, args ...any) *awsapi.Error {
	return ErrInvalidParameter.Newf(format, args...)
}

var (
	errGroupExists      = ErrResourceAlreadyExists.Newf("The specified log group already exists")
	errStreamExists     = ErrResourceAlreadyExists.Newf("The specified log stream already exists")
	errGroupNotFound    = ErrResourceNotFound.Newf("The specified log group does not exist.")
	errStreamNotFound   = ErrResourceNotFound.Newf("The specified log stream does not exist.")
	errResourceNotFound = ErrResourceNotFound.Newf("The specified resource does not exist.")
	errLimitExceeded    = ErrLimitExceeded.Newf("Resource limit exceeded.")

	errMetricFilterNotFound       = ErrResourceNotFound.Newf("The specified metric filter does not exist.")
	errSubscriptionFilterNotFound = ErrResourceNotFound.Newf("The specified subscription filter does not exist.")
	errDestinationNotFound        = ErrResourceNotFound.Newf("The specified destination does not exist.")

	errBadToken         = invalidParam("The specified nextToken is invalid.")
	errNameAndARN       = invalidParam("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	errNoNameOrARN      = invalidParam("Should provide either name or ARN of the log group.")
	errPrefixAndPattern = invalidParam("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	errNamesAndPrefix   = invalidParam("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	errOrderByTime      = invalidParam("Cannot order by LastEventTime with a logStreamNamePrefix.")
	errUnsortedBatch    = invalidParam("Log events in a single PutLogEvents request must be in chronological order.")
	errBatchSpan        = invalidParam("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	errDescendingStart  = invalidParam("startFromHead=false is supported only with a startTime on or after 2024-01-01T00:00:00Z.")
	errTagsNull         = invalidParam("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	errTagLength        = invalidParam("1 validation error detected: Value at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128, values at most 256")
	errGroupTooManyTags = invalidParam("A log group can have no more than %d tags.", maxTags)
)

// tooManyTags answers TagResource when the resource would pass maxTags.
func tooManyTags(arn string) *awsapi.Error {
	return ErrTooManyTags.Newf("A resource can have no more than %d tags.", maxTags).With("resourceName", arn)
}

// validationError is AWS's message for members that break the model's
// constraints: "N validation error(s) detected: " and one clause per
// broken constraint, the length rule before the pattern rule, as AWS
// checks them.
func validationError(clauses ...string) *awsapi.Error {
	return invalidParam("%s", awsapi.ValidationMessage(clauses))
}

// nameViolations are the clauses a name breaks: null, too long, off the
// pattern (described as the model writes it).
func nameViolations(field, name string, max int, matches func(string) bool, pattern string) []string {
	if name == "" {
		return []string{fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field)}
	}
	var out []string
	if len(name) > max {
		out = append(out, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, field, max))
	}
	if !matches(name) {
		out = append(out, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, field, pattern))
	}
	return out
}

// checkName refuses a name that breaks any of its constraints.
func checkName(field, name string, max int, matches func(string) bool, pattern string) error {
	if v := nameViolations(field, name, max, matches, pattern); len(v) > 0 {
		return validationError(v...)
	}
	return nil
}

// noColonOrStar is the pattern [^:*]* of stream, filter and destination
// names.
func noColonOrStar(s string) bool { return !strings.ContainsAny(s, ":*") }

// required refuses a request that leaves out members the model requires
// (present[member] false), in AWS's words, members in name order.
func required(present map[string]bool) error {
	var clauses []string
	for _, m := range slices.Sorted(maps.Keys(present)) {
		if !present[m] {
			clauses = append(clauses, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", m))
		}
	}
	if len(clauses) > 0 {
		return validationError(clauses...)
	}
	return nil
}
