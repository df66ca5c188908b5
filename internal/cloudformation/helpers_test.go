package cloudformation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// waitCreate is the SDK's own waiter, polling fast.
func waitCreate(t *testing.T, c *cfn.Client, name string) *types.Stack {
	t.Helper()
	out, err := cfn.NewStackCreateCompleteWaiter(c, func(o *cfn.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	}).
		WaitForOutput(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)}, time.Minute)
	if err != nil {
		t.Fatalf("wait stack-create-complete %s: %v%s", name, err, eventsText(c, name))
	}
	return &out.Stacks[0]
}

func waitUpdate(t *testing.T, c *cfn.Client, name string) *types.Stack {
	t.Helper()
	out, err := cfn.NewStackUpdateCompleteWaiter(c, func(o *cfn.StackUpdateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	}).
		WaitForOutput(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)}, time.Minute)
	if err != nil {
		t.Fatalf("wait stack-update-complete %s: %v%s", name, err, eventsText(c, name))
	}
	return &out.Stacks[0]
}

func waitDelete(t *testing.T, c *cfn.Client, name string) {
	t.Helper()
	err := cfn.NewStackDeleteCompleteWaiter(c, func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	}).
		Wait(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)}, time.Minute)
	if err != nil {
		t.Fatalf("wait stack-delete-complete %s: %v%s", name, err, eventsText(c, name))
	}
}

// waitStatus polls until the stack's status is final (not *_IN_PROGRESS).
func waitStatus(t *testing.T, c *cfn.Client, name string) *types.Stack {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		out, err := c.DescribeStacks(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatalf("describe %s: %v", name, err)
		}
		s := out.Stacks[0]
		if !strings.HasSuffix(string(s.StackStatus), "_IN_PROGRESS") {
			return &s
		}
		if time.Now().After(deadline) {
			t.Fatalf("stack %s still %s after a minute", name, s.StackStatus)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// events lists a stack's events, oldest first, as "Logical STATUS" lines.
func events(t *testing.T, c *cfn.Client, name string) []string {
	t.Helper()
	var lines []string
	p := cfn.NewDescribeStackEventsPaginator(c, &cfn.DescribeStackEventsInput{StackName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("describe-stack-events %s: %v", name, err)
		}
		for _, e := range out.StackEvents {
			lines = append([]string{aws.ToString(e.LogicalResourceId) + " " + string(e.ResourceStatus)}, lines...)
		}
	}
	return lines
}

func eventsText(c *cfn.Client, name string) string {
	out, err := c.DescribeStackEvents(context.Background(), &cfn.DescribeStackEventsInput{StackName: aws.String(name)})
	if err != nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nevents, newest first:")
	for _, e := range out.StackEvents {
		b.WriteString("\n  " + aws.ToString(e.LogicalResourceId) + " " + string(e.ResourceStatus) + " " + aws.ToString(e.ResourceStatusReason))
	}
	return b.String()
}

// apiError checks that err is the AWS error code with a message containing msg.
func apiError(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("%s: %v, want %s containing %q", what, err, code, msg)
	}
}
