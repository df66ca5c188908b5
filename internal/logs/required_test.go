package logs

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestRequiredMembers is generated from the SDK's own validators: for
// every operation, each required member left out (the others given) is
// refused with a validation error and changes nothing.
func TestRequiredMembers(t *testing.T) {
	env := newTestEnv(t, Config{})
	if n := awstest.CheckRequired(t, env.client, env.db.Revision, "InvalidParameterException", "ValidationException"); n < 20 {
		t.Fatalf("only %d cases: the SDK's validators were not read", n)
	}
}

// TestEnumAndRangeMembers is generated from botocore's model of CloudWatch
// Logs: for every operation, each top-level enum member given a value
// outside its set, each string member too short or too long and each
// number out of its range is refused with a validation error and changes
// nothing. The other members name a real group and stream and hold valid
// values, so that only the member under test is wrong.
func TestEnumAndRangeMembers(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	const (
		groupARN = "arn:aws:logs:us-east-1:123456789012:log-group:g"
		policy   = `{"Version":"2012-10-17","Statement":[]}`
		stream   = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
		role     = "arn:aws:iam::123456789012:role/r"
	)
	given := awstest.Given{
		"LogGroupName": "g", "LogStreamName": "s", "ResourceArn": groupARN,
		"DescribeLogStreams.LogGroupName": "g", "FilterLogEvents.LogGroupName": "g", "GetLogEvents.LogGroupName": "g",
		"PutSubscriptionFilter.DestinationArn": stream, "PutSubscriptionFilter.RoleArn": role,
		"PutDestination.TargetArn": stream, "PutDestination.RoleArn": role,
		"PutDestinationPolicy.AccessPolicy": policy, "PutDeliveryDestinationPolicy.DeliveryDestinationPolicy": policy,
		"PutResourcePolicy.PolicyName": "p", "PutResourcePolicy.PolicyDocument": policy, "DeleteResourcePolicy.PolicyName": "p",
		"PutLogEvents.LogEvents":                                  []types.InputLogEvent{{Message: aws.String("m"), Timestamp: aws.Int64(time.Now().UnixMilli())}},
		"PutMetricFilter.MetricTransformations":                   []types.MetricTransformation{{MetricName: aws.String("m"), MetricNamespace: aws.String("n"), MetricValue: aws.String("1")}},
		"PutDeliveryDestination.DeliveryDestinationConfiguration": &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String(groupARN)},
		"PutDeliverySource.ResourceArn":                           "arn:aws:xray:us-east-1:123456789012:trace",
	}
	// A delivery source and destination, for CreateDelivery.
	must[*cwl.PutDeliverySourceOutput](t)(c.PutDeliverySource(ctx, &cwl.PutDeliverySourceInput{
		Name: aws.String("src"), ResourceArn: aws.String("arn:aws:xray:us-east-1:123456789012:trace"), LogType: aws.String("TRACES"),
	}))
	dst := must[*cwl.PutDeliveryDestinationOutput](t)(c.PutDeliveryDestination(ctx, &cwl.PutDeliveryDestinationInput{
		Name: aws.String("dst"), DeliveryDestinationConfiguration: &types.DeliveryDestinationConfiguration{DestinationResourceArn: aws.String(groupARN)},
	}))
	given["CreateDelivery.DeliverySourceName"] = "src"
	given["CreateDelivery.DeliveryDestinationArn"] = aws.ToString(dst.DeliveryDestination.Arn)
	model := awstest.LoadModel(t, "logs")
	n := awstest.CheckConstraints(t, c, model, env.db.Revision, given, "InvalidParameterException", "ValidationException")
	t.Logf("%d cases", n)
	if n < 150 {
		t.Fatalf("only %d cases: the model's constraints were not read", n)
	}
}
