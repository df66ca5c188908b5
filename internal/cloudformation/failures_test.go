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

// gate is a resource type for tests: a create or update with Hold "true"
// waits until the test opens the gate (or the deploy's context ends).
type gate struct{ open chan struct{} }

func (g gate) Create(ctx context.Context, r *stack.Resource) (string, map[string]any, error) {
	if hold, _ := r.Props["Hold"].(string); hold == "true" {
		select {
		case <-g.open:
		case <-ctx.Done():
			return "", nil, ctx.Err()
		}
	}
	return "gate-" + r.LogicalID, nil, nil
}

func (g gate) Update(ctx context.Context, r *stack.Resource, _ map[string]any) (map[string]any, error) {
	_, _, err := g.Create(ctx, r)
	return nil, err
}

func (gate) Delete(context.Context, *stack.Resource) error { return nil }

func startWithGate(t *testing.T, opts ...cloudformationtest.Option) (*cloudformationtest.Env, chan struct{}) {
	open := make(chan struct{})
	return cloudformationtest.Start(t, append(opts, cloudformationtest.WithHandlers(map[string]stack.Handler{"Test::Gate": gate{open}}))...), open
}

const failingTemplate = `Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: doomed}
  Broken:
    Type: AWS::ServiceDiscovery::Service
    DependsOn: [Namespace]
    Properties: {Name: api, NamespaceId: ns-doesnotexist}
`

// TestFailedCreateRollsBack: a create that fails mid-way rolls back to
// ROLLBACK_COMPLETE, the failing resource's event says why, and the stack
// can then only be deleted.
func TestFailedCreateRollsBack(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("doomed"), TemplateBody: aws.String(failingTemplate)}); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, c, "doomed")
	if s.StackStatus != "ROLLBACK_COMPLETE" {
		t.Fatalf("status %s", s.StackStatus)
	}
	got := events(t, c, "doomed")
	want := []string{"doomed CREATE_IN_PROGRESS", "Namespace CREATE_IN_PROGRESS", "Namespace CREATE_COMPLETE", "Broken CREATE_IN_PROGRESS",
		"Broken CREATE_FAILED", "doomed ROLLBACK_IN_PROGRESS", "Namespace DELETE_IN_PROGRESS", "Namespace DELETE_COMPLETE", "doomed ROLLBACK_COMPLETE"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v\nwant %v", got, want)
	}
	out, _ := c.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String("doomed")})
	for _, e := range out.StackEvents {
		if aws.ToString(e.LogicalResourceId) == "Broken" && e.ResourceStatus == "CREATE_FAILED" && !strings.Contains(aws.ToString(e.ResourceStatusReason), "ns-doesnotexist") {
			t.Fatalf("the failure's reason does not say why: %q", aws.ToString(e.ResourceStatusReason))
		}
	}
	_, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("doomed"), TemplateBody: aws.String(failingTemplate)})
	apiError(t, "update a ROLLBACK_COMPLETE stack", err, "ValidationError", "is in ROLLBACK_COMPLETE state and can not be updated.")
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, "doomed")
	// CreateStack's waiter reports the failure, as the AWS CLI's does.
	c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("doomed"), TemplateBody: aws.String(failingTemplate)})
	if err := cfn.NewStackCreateCompleteWaiter(c, fast).Wait(ctx, &cfn.DescribeStacksInput{StackName: aws.String("doomed")}, time.Minute); err == nil {
		t.Fatal("the create waiter succeeded on a failed create")
	}
}

// TestOnFailure: DELETE deletes a stack whose create failed; DO_NOTHING
// (or DisableRollback) leaves it CREATE_FAILED with what it made, and an
// update with a fixed template completes it.
func TestOnFailure(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	_, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("x"), TemplateBody: aws.String(failingTemplate), OnFailure: "DELETE", DisableRollback: aws.Bool(true)})
	apiError(t, "both OnFailure and DisableRollback", err, "ValidationError", "You cannot specify both DisableRollback and OnFailure.")

	created, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("deleted"), TemplateBody: aws.String(failingTemplate), OnFailure: "DELETE"})
	if err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, aws.ToString(created.StackId))
	got := events(t, c, aws.ToString(created.StackId))
	if got[len(got)-1] != "deleted DELETE_COMPLETE" || !slices.Contains(got, "deleted ROLLBACK_COMPLETE") {
		t.Fatalf("events %v", got)
	}

	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("kept"), TemplateBody: aws.String(failingTemplate), DisableRollback: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, c, "kept")
	if s.StackStatus != "CREATE_FAILED" || !aws.ToBool(s.DisableRollback) || !strings.Contains(aws.ToString(s.StackStatusReason), "ns-doesnotexist") {
		t.Fatalf("DisableRollback: %s %q", s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	res, _ := c.ListStackResources(ctx, &cfn.ListStackResourcesInput{StackName: aws.String("kept")})
	statuses := map[string]types.ResourceStatus{}
	for _, r := range res.StackResourceSummaries {
		statuses[aws.ToString(r.LogicalResourceId)] = r.ResourceStatus
	}
	if statuses["Namespace"] != "CREATE_COMPLETE" || statuses["Broken"] != "CREATE_FAILED" {
		t.Fatalf("resources of a CREATE_FAILED stack: %v", statuses)
	}
	fixed := strings.Replace(failingTemplate, "ns-doesnotexist", "!Ref Namespace", 1)
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("kept"), TemplateBody: aws.String(fixed)}); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, c, "kept")
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if len(ns.Namespaces) != 1 {
		t.Fatalf("%d namespaces, want the one kept", len(ns.Namespaces))
	}
}

// TestFailedUpdateRollsBack: an update that fails rolls back to the
// previous template, parameters and outputs.
func TestFailedUpdateRollsBack(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("upd"), TemplateBody: aws.String(namespaceTemplate)}); err != nil {
		t.Fatal(err)
	}
	before := waitCreate(t, c, "upd")
	broken := namespaceTemplate + "  Broken:\n    Value: !Ref Nope\n"
	_, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("upd"), TemplateBody: aws.String(broken)})
	apiError(t, "an update with a bad reference", err, "ValidationError", "Template format error")
	bad := strings.Replace(namespaceTemplate, "Vpc:\n", "Bad:\n    Type: AWS::ServiceDiscovery::Service\n    Properties: {Name: x, NamespaceId: ns-nope}\n  Vpc:\n", 1)
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("upd"), TemplateBody: aws.String(bad),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Name"), ParameterValue: aws.String("renamed")}}}); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, c, "upd")
	if s.StackStatus != "UPDATE_ROLLBACK_COMPLETE" || aws.ToString(s.Outputs[0].OutputValue) != aws.ToString(before.Outputs[0].OutputValue) {
		t.Fatalf("after a failed update: %s, outputs %+v", s.StackStatus, s.Outputs)
	}
	for _, p := range s.Parameters {
		if aws.ToString(p.ParameterKey) == "Name" && aws.ToString(p.ParameterValue) != "first" {
			t.Fatalf("parameter Name %q after the rollback, want first", aws.ToString(p.ParameterValue))
		}
	}
	tpl, _ := c.GetTemplate(ctx, &cfn.GetTemplateInput{StackName: aws.String("upd")})
	if aws.ToString(tpl.TemplateBody) != namespaceTemplate {
		t.Fatal("the template after the rollback is not the previous one")
	}
	// The stack can be updated again.
	if _, err := c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("upd"), UsePreviousTemplate: aws.Bool(true),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Name"), ParameterValue: aws.String("again")}}}); err != nil {
		t.Fatal(err)
	}
	waitUpdate(t, c, "upd")
}

func fast(o *cfn.StackCreateCompleteWaiterOptions) {
	o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
}
