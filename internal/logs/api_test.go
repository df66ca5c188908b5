package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestLifecycle(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	const group = "/ecs/web"
	arn := "arn:aws:logs:us-east-1:123456789012:log-group:" + group

	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{
		LogGroupName: aws.String(group), Tags: map[string]string{"team": "edge"},
	}))
	_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)})
	if errCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate group: %v", err)
	}
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123"),
	}))
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")})
	if errCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate stream: %v", err)
	}

	now := time.Now().UnixMilli()
	put := must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123"),
		LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now - 2000), Message: aws.String("starting")},
			{Timestamp: aws.Int64(now - 1000), Message: aws.String("listening on :8080")},
			{Timestamp: aws.Int64(now), Message: aws.String("GET / 200")},
		},
	}))
	if put.NextSequenceToken == nil || put.RejectedLogEventsInfo != nil {
		t.Fatalf("put: %+v", put)
	}

	groups := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if len(groups.LogGroups) != 1 {
		t.Fatalf("groups: %+v", groups.LogGroups)
	}
	g := groups.LogGroups[0]
	if aws.ToString(g.LogGroupName) != group || aws.ToString(g.Arn) != arn+":*" || aws.ToString(g.LogGroupArn) != arn ||
		aws.ToInt64(g.CreationTime) < now-60_000 || aws.ToInt64(g.StoredBytes) == 0 || g.MetricFilterCount == nil ||
		*g.MetricFilterCount != 0 || g.LogGroupClass != types.LogGroupClassStandard || g.RetentionInDays != nil {
		t.Fatalf("group: %+v", g)
	}

	streams := must[*cwl.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(group)}))
	if len(streams.LogStreams) != 1 {
		t.Fatalf("streams: %+v", streams.LogStreams)
	}
	st := streams.LogStreams[0]
	if aws.ToString(st.Arn) != arn+":log-stream:web/app/0123" || aws.ToInt64(st.FirstEventTimestamp) != now-2000 ||
		aws.ToInt64(st.LastEventTimestamp) != now || aws.ToInt64(st.LastIngestionTime) < now-60_000 || st.UploadSequenceToken == nil {
		t.Fatalf("stream: %+v", st)
	}

	// GetLogEvents by name and by ARN identifier.
	for _, in := range []*cwl.GetLogEventsInput{
		{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")},
		{LogGroupIdentifier: aws.String(arn), LogStreamName: aws.String("web/app/0123")},
	} {
		got := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, in))
		if len(got.Events) != 3 || aws.ToString(got.Events[0].Message) != "starting" || aws.ToString(got.Events[2].Message) != "GET / 200" ||
			aws.ToInt64(got.Events[1].Timestamp) != now-1000 || aws.ToInt64(got.Events[1].IngestionTime) == 0 {
			t.Fatalf("get: %+v", got.Events)
		}
		if !strings.HasPrefix(aws.ToString(got.NextForwardToken), "f/") || !strings.HasPrefix(aws.ToString(got.NextBackwardToken), "b/") {
			t.Fatalf("tokens: %q %q", aws.ToString(got.NextForwardToken), aws.ToString(got.NextBackwardToken))
		}
	}

	// Retention.
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(14)}))
	_, err = c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(2)})
	if errCode(err) != "InvalidParameterException" {
		t.Fatalf("retention 2: %v", err)
	}
	groups = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/")}))
	if aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 14 {
		t.Fatalf("retention: %+v", groups.LogGroups[0])
	}
	must[*cwl.DeleteRetentionPolicyOutput](t)(c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String(group)}))
	groups = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if groups.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("retention not deleted: %+v", groups.LogGroups[0])
	}

	checkTagsBothAPIs(ctx, t, c, group, arn)

	// Deletion takes the events with it.
	must[*cwl.DeleteLogStreamOutput](t)(c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")}))
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")})
	if errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted stream: %v", err)
	}
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, EventsPrefix, indexPrefix, trashPrefix)
	must[*cwl.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(group)}))
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(group)})
	if errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("delete twice: %v", err)
	}
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, "logs/")
}

// checkTagsBothAPIs tags a group through both generations of the tagging
// API and checks each sees the other's tags.
func checkTagsBothAPIs(ctx context.Context, t *testing.T, c *cwl.Client, group, arn string) {
	t.Helper()
	must[*cwl.TagResourceOutput](t)(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}))
	//lint:ignore SA1019 the deprecated tagging API is still served, and clients still call it
	must[*cwl.TagLogGroupOutput](t)(c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String(group), Tags: map[string]string{"owner": "me"}}))
	must[*cwl.UntagResourceOutput](t)(c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn + ":*"), TagKeys: []string{"team"}}))
	tags := must[*cwl.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if fmt.Sprint(tags.Tags) != "map[env:dev owner:me]" {
		t.Fatalf("tags: %v", tags.Tags)
	}
	//lint:ignore SA1019 as above
	must[*cwl.UntagLogGroupOutput](t)(c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String(group), Tags: []string{"env"}}))
	//lint:ignore SA1019 as above
	old := must[*cwl.ListTagsLogGroupOutput](t)(c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String(group)}))
	if fmt.Sprint(old.Tags) != "map[owner:me]" {
		t.Fatalf("tags: %v", old.Tags)
	}
}
