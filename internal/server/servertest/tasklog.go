package servertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TaskLog is what the task's container printed, once its output has
// reached its log group and holds every string of want (the agent ships
// output in batches, after the task may already read STOPPED, as awslogs
// does on ECS). Without want, the first batch will do. After 10s it
// returns what arrived, for the caller's assertion to show. A task's
// output reaches /test/FAMILY when its log configuration says so.
func TaskLog(t testing.TB, env *Env, task types.Task, want ...string) string {
	t.Helper()
	family := aws.ToString(task.TaskDefinitionArn)
	family = family[strings.LastIndexByte(family, '/')+1 : strings.LastIndexByte(family, ':')]
	logs := cloudwatchlogs.NewFromConfig(env.AWS)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, err := logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/test/" + family)})
		if err != nil {
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			continue
		}
		var b strings.Builder
		for _, e := range out.Events {
			b.WriteString(aws.ToString(e.Message) + "\n")
		}
		if len(out.Events) > 0 && ContainsAll(b.String(), want) || time.Now().After(deadline) {
			return b.String()
		}
	}
}

// ContainsAll reports whether s holds every one of subs.
func ContainsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
