package cloudformation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
	"github.com/portolan/portolan/internal/stack"
)

const gateTemplate = `Parameters:
  Hold: {Type: String, Default: "false"}
Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: gated}
  Gate:
    Type: Test::Gate
    DependsOn: [Namespace]
    Properties: {Hold: !Ref Hold}
`

func hold(v string) []types.Parameter {
	return []types.Parameter{{ParameterKey: aws.String("Hold"), ParameterValue: aws.String(v)}}
}

// waitEvent waits until the stack has an event ("Logical STATUS").
func waitEvent(t *testing.T, c *cfn.Client, name, event string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !slices.Contains(events(t, c, name), event); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q event: %v", event, events(t, c, name))
		}
	}
}

// TestCancelUpdateStack: an update held at its gate is cancelled and rolls
// back; a stack at rest has nothing to cancel; the next update works.
func TestCancelUpdateStack(t *testing.T) {
	env, _ := startWithGate(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("cancel"), TemplateBody: aws.String(gateTemplate)}); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, c, "cancel")
	_, err := c.CancelUpdateStack(ctx, &cfn.CancelUpdateStackInput{StackName: aws.String("cancel")})
	apiError(t, "cancel a stack at rest", err, "ValidationError", "CancelUpdateStack cannot be called from current stack status")
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("cancel"), UsePreviousTemplate: aws.Bool(true), Parameters: hold("true")}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, "cancel", "Gate UPDATE_IN_PROGRESS")
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("cancel"), UsePreviousTemplate: aws.Bool(true), Parameters: hold("false")})
	apiError(t, "update during an update", err, "ValidationError", "is in UPDATE_IN_PROGRESS state and can not be updated.")
	if _, err := c.CancelUpdateStack(ctx, &cfn.CancelUpdateStackInput{StackName: aws.String("cancel")}); err != nil {
		t.Fatal(err)
	}
	if s := waitStatus(t, c, "cancel"); s.StackStatus != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("after cancelling: %s", s.StackStatus)
	}
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("cancel"), UsePreviousTemplate: aws.Bool(true), Parameters: hold("no")}); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, c, "cancel")
}

// TestDeleteDuringCreate: deleting a stack being created stops the create,
// which rolls back, and deletes the stack.
func TestDeleteDuringCreate(t *testing.T) {
	env, _ := startWithGate(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("short"), TemplateBody: aws.String(gateTemplate), Parameters: hold("true")}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, "short", "Gate CREATE_IN_PROGRESS")
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("short")}); err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, "short")
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if len(ns.Namespaces) != 0 {
		t.Fatalf("%d namespaces left", len(ns.Namespaces))
	}
}

// TestServerStopDuringUpdate: a server stopped during an update leaves the
// stack as it was; started again, it reports UPDATE_FAILED (with an event
// saying so), and a new update completes.
func TestServerStopDuringUpdate(t *testing.T) {
	env, _ := startWithGate(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("stopped"), TemplateBody: aws.String(gateTemplate)}); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, c, "stopped")
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("stopped"), UsePreviousTemplate: aws.Bool(true), Parameters: hold("true")}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, "stopped", "Gate UPDATE_IN_PROGRESS")
	env.Stop()

	env, _ = startWithGate(t, cloudformationtest.InDir(env.Dir))
	c = env.Client()
	s, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("stopped")})
	if err != nil || s.Stacks[0].StackStatus != "UPDATE_FAILED" {
		t.Fatalf("after the restart: %v %+v", err, s)
	}
	if got := events(t, c, "stopped"); got[len(got)-1] != "stopped UPDATE_FAILED" {
		t.Fatalf("events after the restart: %v", got)
	}
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("stopped"), UsePreviousTemplate: aws.Bool(true), Parameters: hold("done")}); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, c, "stopped")
}

// panicky is a resource type whose create panics, as a bug would.
type panicky struct{}

func (panicky) Create(context.Context, *stack.Resource) (string, map[string]any, error) {
	panic("a bug")
}
func (panicky) Update(context.Context, *stack.Resource, map[string]any) (map[string]any, error) {
	return nil, nil
}
func (panicky) Delete(context.Context, *stack.Resource) error { return nil }

// TestPanicInAnOperation: a bug that panics during a stack operation fails
// the stack, not the server; the stack can be deleted.
func TestPanicInAnOperation(t *testing.T) {
	env := cloudformationtest.Start(t, cloudformationtest.WithHandlers(map[string]stack.Handler{"Test::Panic": panicky{}}))
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("bug"), TemplateBody: aws.String("Resources:\n  P: {Type: Test::Panic}\n")}); err != nil {
		t.Fatal(err)
	}
	if s := waitStatus(t, c, "bug"); s.StackStatus != "CREATE_FAILED" || !strings.Contains(aws.ToString(s.StackStatusReason), "bug in Portolan") {
		t.Fatalf("after the panic: %s %q", s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("bug")}); err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, "bug")
}
