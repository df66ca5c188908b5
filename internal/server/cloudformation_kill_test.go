package server_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestCloudFormationUpdateKill9: the server is killed (SIGKILL) while an
// update waits for the ECS service to roll. Started again, it reports the
// stack UPDATE_FAILED, a stable status, with an event saying why; a new
// update then completes, and the API answers with what it deployed.
func TestCloudFormationUpdateKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan and runs the quick start's tasks")
	}
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	dataDir, port, gateway := t.TempDir(), servertest.FreePort(t), fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
	flags := []string{"--image", "app=" + app, "--gateway", gateway}
	ctx := context.Background()
	c := cfn.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	params := func(greeting, count string) []types.Parameter {
		return []types.Parameter{{ParameterKey: aws.String("Greeting"), ParameterValue: aws.String(greeting)}, {ParameterKey: aws.String("DesiredCount"), ParameterValue: aws.String(count)}}
	}
	tpl := readFile(t, quickstartVariant(t))
	fast := func(o *cfn.StackUpdateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}

	srv := servertest.StartProcess(t, dataDir, port, flags...)
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("killed"), TemplateBody: aws.String(tpl), Parameters: params("Hello", "2")}); err != nil {
		t.Fatal(err)
	}
	if err := cfn.NewStackCreateCompleteWaiter(c, func(o *cfn.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}).
		Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("killed")}, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("killed"), TemplateBody: aws.String(tpl), Parameters: params("Bonjour", "4")}); err != nil {
		t.Fatal(err)
	}
	// Kill once the update waits for the service's new deployment.
	for deadline := time.Now().Add(time.Minute); !hasEvent(ctx, c, "killed", "Service", "UPDATE_IN_PROGRESS"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the update never reached the service")
		}
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()

	servertest.StartProcess(t, dataDir, port, flags...)
	// The tasks outlive a killed server: delete them with the stack, while
	// this server still runs (cleanups run last-in first-out, so one
	// registered before it started would find it stopped).
	t.Cleanup(func() {
		c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("killed")})
		cfn.NewStackDeleteCompleteWaiter(c).Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("killed")}, 2*time.Minute)
	})
	out, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("killed")})
	if err != nil || out.Stacks[0].StackStatus != types.StackStatusUpdateFailed {
		t.Fatalf("after the restart: %v %+v", err, out)
	}
	events, _ := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String("killed")})
	if last := events.StackEvents[0]; last.ResourceStatus != types.ResourceStatusUpdateFailed || aws.ToString(last.LogicalResourceId) != "killed" {
		t.Fatalf("newest event %s %s %q", aws.ToString(last.LogicalResourceId), last.ResourceStatus, aws.ToString(last.ResourceStatusReason))
	}
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("killed"), TemplateBody: aws.String(tpl), Parameters: params("Hallo", "2")}); err != nil {
		t.Fatal(err)
	}
	if err := cfn.NewStackUpdateCompleteWaiter(c, fast).Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("killed")}, 2*time.Minute); err != nil {
		t.Fatalf("the update after the restart: %v", err)
	}
	out, _ = c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("killed")})
	callAPI(t, gateway, outputOf(out.Stacks[0], "ApiUrl"), "/hello", "Hallo")
}

func hasEvent(ctx context.Context, c *cfn.Client, stack, logicalID string, status types.ResourceStatus) bool {
	out, err := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String(stack)})
	if err != nil {
		return false
	}
	for _, e := range out.StackEvents {
		if aws.ToString(e.LogicalResourceId) == logicalID && e.ResourceStatus == status {
			return true
		}
	}
	return false
}

func outputOf(s types.Stack, key string) string {
	for _, o := range s.Outputs {
		if aws.ToString(o.OutputKey) == key {
			return aws.ToString(o.OutputValue)
		}
	}
	return ""
}
