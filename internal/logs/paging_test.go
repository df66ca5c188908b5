package logs

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestDescribePaging(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	for i := range 120 {
		must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("/app/g%03d", i))}))
	}
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/other/DataLogs")}))

	var names []string
	p := cwl.NewDescribeLogGroupsPaginator(c, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/app/")})
	pages := 0
	for p.HasMorePages() {
		page := must[*cwl.DescribeLogGroupsOutput](t)(p.NextPage(ctx))
		pages++
		for _, g := range page.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
	}
	if pages != 3 || len(names) != 120 || names[0] != "/app/g000" || names[119] != "/app/g119" {
		t.Fatalf("%d pages, %d names", pages, len(names))
	}
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/other/cheap"), LogGroupClass: types.LogGroupClassInfrequentAccess}))
	cheap := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupClass: types.LogGroupClassEssentials}))
	if len(cheap.LogGroups) != 1 || cheap.LogGroups[0].LogGroupClass != types.LogGroupClassInfrequentAccess {
		t.Fatalf("class filter: %+v", cheap.LogGroups)
	}
	pat := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("Data")}))
	if len(pat.LogGroups) != 1 || aws.ToString(pat.LogGroups[0].LogGroupName) != "/other/DataLogs" || pat.LogGroups[0].StoredBytes != nil {
		t.Fatalf("pattern: %+v", pat.LogGroups)
	}

	// Streams ordered by last event time, newest first, paged by 2.
	base := time.Now().Add(-time.Hour)
	for i, name := range []string{"c", "a", "e", "b", "d"} {
		if err := env.svc.Append(ctx, "/app/g000", name, []Event{{Time: base.Add(time.Duration(i) * time.Minute), Message: name}}); err != nil {
			t.Fatal(err)
		}
	}
	var order []string
	sp := cwl.NewDescribeLogStreamsPaginator(c, &cwl.DescribeLogStreamsInput{
		LogGroupName: aws.String("/app/g000"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(2),
	})
	for sp.HasMorePages() {
		for _, s := range must[*cwl.DescribeLogStreamsOutput](t)(sp.NextPage(ctx)).LogStreams {
			order = append(order, aws.ToString(s.LogStreamName))
		}
	}
	if strings.Join(order, "") != "dbeac" {
		t.Fatalf("by time desc: %v", order)
	}
	byName := must[*cwl.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/app/g000"), LogStreamNamePrefix: aws.String("b")}))
	if len(byName.LogStreams) != 1 || aws.ToString(byName.LogStreams[0].LogStreamName) != "b" {
		t.Fatalf("prefix: %+v", byName.LogStreams)
	}
}
