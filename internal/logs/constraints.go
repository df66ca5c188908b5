package logs

import (
	"github.com/portolan/portolan/internal/awsapi"
)

// constraints are the model's rules (awsapi.Constraint) each operation
// checks on its raw request before decoding it, in the model's member
// order, where the operation's own code does not check them already
// (names with patterns and limits stay there). A raw body tells a member
// sent empty from one left out, which a decoded string cannot.
var constraints = map[string][]awsapi.Constraint{
	"CreateLogGroup":   {awsapi.Length("kmsKeyId", awsapi.NoLimit, 256)},
	"CancelExportTask": {awsapi.Length("taskId", 1, 512)},
	"CreateExportTask": {
		awsapi.Length("taskName", 1, 512), awsapi.Length("logStreamNamePrefix", 1, 512),
		awsapi.Range("from", 0, awsapi.NoLimit), awsapi.Range("to", 0, awsapi.NoLimit), awsapi.Length("destination", 1, 512),
	},
	"DescribeExportTasks": {
		awsapi.Length("taskId", 1, 512),
		awsapi.Enum("statusCode", "CANCELLED", "COMPLETED", "FAILED", "PENDING", "PENDING_CANCEL", "RUNNING"),
		awsapi.Length("nextToken", 1, awsapi.NoLimit), awsapi.Range("limit", 1, 50),
	},
	"DescribeLogGroups": {
		awsapi.Length("logGroupNamePrefix", 1, 512), awsapi.Length("logGroupNamePattern", 0, 512),
		// ESSENTIALS is newer than some botocore models; CreateLogGroup takes it.
		awsapi.Enum("logGroupClass", "STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS"),
	},
	"DescribeLogStreams": {awsapi.Length("logStreamNamePrefix", 1, 512)},
	"FilterLogEvents": {
		awsapi.Length("logStreamNamePrefix", 1, 512), awsapi.Range("startTime", 0, awsapi.NoLimit), awsapi.Range("endTime", 0, awsapi.NoLimit),
	},
	"GetLogEvents":                {awsapi.Range("startTime", 0, awsapi.NoLimit), awsapi.Range("endTime", 0, awsapi.NoLimit)},
	"PutLogEvents":                {awsapi.Length("sequenceToken", 1, awsapi.NoLimit)},
	"PutMetricFilter":             {awsapi.Length("fieldSelectionCriteria", 0, 2000)},
	"PutSubscriptionFilter":       {awsapi.Length("roleArn", 1, awsapi.NoLimit), awsapi.Length("fieldSelectionCriteria", 0, 2000)},
	"PutResourcePolicy":           {awsapi.Length("expectedRevisionId", 1, awsapi.NoLimit)},
	"DeleteResourcePolicy":        {awsapi.Length("expectedRevisionId", 1, awsapi.NoLimit)},
	"DescribeDestinations":        {awsapi.Length("DestinationNamePrefix", 1, 512)},
	"DescribeResourcePolicies":    {awsapi.Enum("policyScope", "ACCOUNT", "RESOURCE")},
	"DescribeSubscriptionFilters": {awsapi.Length("filterNamePrefix", 1, 512)},
	"GetDelivery":                 {awsapi.Length("id", 1, 64)},
	"DeleteDelivery":              {awsapi.Length("id", 1, 64)},
	"CreateDelivery":              {awsapi.Length("fieldDelimiter", 0, 5), awsapi.Length("s3DeliveryConfiguration.suffixPath", 1, 256)},
	"UpdateDeliveryConfiguration": {
		awsapi.Length("id", 1, 64), awsapi.Length("fieldDelimiter", 0, 5), awsapi.Length("s3DeliveryConfiguration.suffixPath", 1, 256),
	},
	"PutDeliverySource":               {awsapi.Length("logType", 1, 255)},
	"GetDeliverySource":               {awsapi.Length("name", 1, 60)},
	"DeleteDeliverySource":            {awsapi.Length("name", 1, 60)},
	"GetDeliveryDestination":          {awsapi.Length("name", 1, 60)},
	"DeleteDeliveryDestination":       {awsapi.Length("name", 1, 60)},
	"GetDeliveryDestinationPolicy":    {awsapi.Length("deliveryDestinationName", 1, 60)},
	"DeleteDeliveryDestinationPolicy": {awsapi.Length("deliveryDestinationName", 1, 60)},
	"PutDeliveryDestinationPolicy":    {awsapi.Length("deliveryDestinationName", 1, 60)},
}

// checked is h behind the constraints of operation op.
func checked(op string, h awsapi.Handler) awsapi.Handler {
	return awsapi.Checked(constraints[op], h, func(clauses []string) error { return validationError(clauses...) })
}
