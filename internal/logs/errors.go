package logs

import "github.com/portolan/portolan/internal/awsapi"

// The errors CloudWatch Logs answers with, codes and messages as AWS sends
// them. Every one is a client error (HTTP 400). Validation messages that
// quote the offending value are built where the value is checked, with
// invalidParam.

// invalidParam is an InvalidParameterException with a formatted message.
func invalidParam(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf("InvalidParameterException", format, args...)
}

var (
	errGroupExists      = awsapi.Errorf("ResourceAlreadyExistsException", "The specified log group already exists")
	errStreamExists     = awsapi.Errorf("ResourceAlreadyExistsException", "The specified log stream already exists")
	errGroupNotFound    = awsapi.Errorf("ResourceNotFoundException", "The specified log group does not exist.")
	errStreamNotFound   = awsapi.Errorf("ResourceNotFoundException", "The specified log stream does not exist.")
	errResourceNotFound = awsapi.Errorf("ResourceNotFoundException", "The specified resource does not exist.")

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
	return awsapi.Errorf("TooManyTagsException", "A resource can have no more than %d tags.", maxTags).With("resourceName", arn)
}
