package logs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	for _, tc := range errorCases(ctx, c) {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.call()); got != tc.code {
				t.Fatalf("got %q, want %s", got, tc.code)
			}
		})
	}
}

type errorCase struct {
	name string
	call func() error
	code string
}

// errorCases are TestErrors' table: one bad call per case and the code it
// must fail with, against a group "g" holding a stream "s".
func errorCases(ctx context.Context, c *cwl.Client) []errorCase {
	now := time.Now().UnixMilli()
	ev := func(ts int64, msg string) types.InputLogEvent {
		return types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)}
	}
	return []errorCase{
		{"group name with space", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("a b")})
			return err
		}, "InvalidParameterException"},
		{"stream name with colon", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a:b")})
			return err
		}, "InvalidParameterException"},
		{"stream in missing group", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceNotFoundException"},
		{"describe streams of missing group", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"order by time with prefix", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"describe groups limit 51", func() error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
			return err
		}, "InvalidParameterException"},
		{"prefix and pattern", func() error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("g"), LogGroupNamePattern: aws.String("g")})
			return err
		}, "InvalidParameterException"},
		{"put to missing stream", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope"), LogEvents: []types.InputLogEvent{ev(now, "x")}})
			return err
		}, "ResourceNotFoundException"},
		{"put to missing group", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "x")}})
			return err
		}, "ResourceNotFoundException"},
		{"put out of order", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "b"), ev(now-1, "a")}})
			return err
		}, "InvalidParameterException"},
		{"put spanning 25 hours", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now-25*3600_000, "a"), ev(now, "b")}})
			return err
		}, "InvalidParameterException"},
		{"put over 1 MiB", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, strings.Repeat("x", 600_000)), ev(now, strings.Repeat("y", 600_000))}})
			return err
		}, "InvalidParameterException"},
		{"put empty message", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "")}})
			return err
		}, "InvalidParameterException"},
		{"get from missing stream", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"get with name and identifier", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g"), LogStreamName: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"get with a bad token", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("f/xyz")})
			return err
		}, "InvalidParameterException"},
		{"get limit 10001", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(10001)})
			return err
		}, "InvalidParameterException"},
		{"filter missing group", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"filter names and prefix", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"s"}, LogStreamNamePrefix: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"filter bad pattern", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`"unterminated`)})
			return err
		}, "InvalidParameterException"},
		{"filter descending before 2024", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), StartFromHead: aws.Bool(false), StartTime: aws.Int64(0)})
			return err
		}, "InvalidParameterException"},
		{"retention on missing group", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(1)})
			return err
		}, "ResourceNotFoundException"},
		{"retention 0 days", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(0)})
			return err
		}, "InvalidParameterException"},
		{"tag a missing group", func() error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:nope"), Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"tag a non-ARN", func() error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("g"), Tags: map[string]string{"a": "b"}})
			return err
		}, "InvalidParameterException"},
		{"too many tags", func() error {
			tags := map[string]string{}
			for i := range 51 {
				tags[fmt.Sprint("k", i)] = "v"
			}
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g"), Tags: tags})
			return err
		}, "TooManyTagsException"},
		{"delete missing stream", func() error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
	}
}

// TestValidationWording: validation messages read as AWS's do, one clause
// per broken constraint, the length rule before the pattern rule, and a
// range written as the bound that was crossed.
func TestValidationWording(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	message := func(err error) string {
		var api interface{ ErrorMessage() string }
		if !errors.As(err, &api) {
			t.Fatalf("not an API error: %v", err)
		}
		return api.ErrorMessage()
	}
	_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), Limit: aws.Int32(10001)})
	if got, want := message(err), "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"; got != want {
		t.Errorf("limit 10001: %q, want %q", got, want)
	}
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(0)})
	if got := message(err); !strings.HasSuffix(got, "Member must have value greater than or equal to 1") {
		t.Errorf("limit 0: %q", got)
	}
	long := strings.Repeat("x", 600) + "!"
	_, err = c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(long)})
	got := message(err)
	if !strings.HasPrefix(got, "2 validation errors detected: ") || !strings.Contains(got, "Member must have length less than or equal to 512; ") ||
		!strings.HasSuffix(got, "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+") {
		t.Errorf("a long name with a bad character: %q", got)
	}
	// The model's rules checked before the operation runs (constraints.go):
	// an enum names its value set, and every broken member is named, in
	// the model's member order.
	_, err = c.DescribeExportTasks(ctx, &cwl.DescribeExportTasksInput{StatusCode: "DONE"})
	if got, want := message(err), "1 validation error detected: Value 'DONE' at 'statusCode' failed to satisfy constraint: Member must satisfy enum value set: [CANCELLED, COMPLETED, FAILED, PENDING, PENDING_CANCEL, RUNNING]"; got != want {
		t.Errorf("statusCode DONE: %q, want %q", got, want)
	}
	_, err = c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(""), LogGroupClass: "COLD"})
	if got, want := message(err), "2 validation errors detected: "+
		"Value '' at 'logGroupNamePrefix' failed to satisfy constraint: Member must have length greater than or equal to 1; "+
		"Value 'COLD' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY, ESSENTIALS]"; got != want {
		t.Errorf("empty prefix and class COLD: %q, want %q", got, want)
	}
}
