package cloudformation_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
)

const namespaceTemplate = `Description: one namespace
Parameters:
  Name: {Type: String, Default: first}
  Secret: {Type: String, Default: hush, NoEcho: true}
Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: !Ref Name}
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
Outputs:
  NamespaceId: {Value: !Ref Namespace, Description: the namespace}
`

// TestStackLifecycle: create-stack answers at once and the stack comes to
// CREATE_COMPLETE (the SDK's waiter sees it); describe-stacks, events,
// resources and the template are AWS's shapes; an update that changes
// nothing is refused; a real update replaces the namespace; delete-stack
// removes it all, and the deleted stack stays listed by id.
func TestStackLifecycle(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	created, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("life"), TemplateBody: aws.String(namespaceTemplate),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("life"), TemplateBody: aws.String(namespaceTemplate)})
	apiError(t, "create again", err, "AlreadyExistsException", "Stack [life] already exists")

	s := waitCreate(t, c, "life")
	if aws.ToString(s.StackId) != aws.ToString(created.StackId) || aws.ToString(s.Description) != "one namespace" || len(s.Outputs) != 1 ||
		aws.ToString(s.Outputs[0].OutputKey) != "NamespaceId" || len(s.Tags) != 1 || s.DriftInformation.StackDriftStatus != "NOT_CHECKED" {
		t.Fatalf("stack %+v", s)
	}
	params := map[string]string{}
	for _, p := range s.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	if params["Name"] != "first" || params["Secret"] != "****" {
		t.Fatalf("parameters %v: want Secret masked", params)
	}
	nsID := aws.ToString(s.Outputs[0].OutputValue)
	if _, err := sd.NewFromConfig(env.AWS).GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(nsID)}); err != nil {
		t.Fatalf("the output's namespace: %v", err)
	}
	wantEvents := []string{"life CREATE_IN_PROGRESS", "Namespace CREATE_IN_PROGRESS", "Namespace CREATE_COMPLETE",
		"Vpc CREATE_IN_PROGRESS", "Vpc CREATE_COMPLETE", "life CREATE_COMPLETE"}
	if got := events(t, c, "life"); !slices.Equal(got, wantEvents) {
		t.Fatalf("events %v, want %v", got, wantEvents)
	}
	res, err := c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("life"), LogicalResourceId: aws.String("Namespace")})
	if err != nil || aws.ToString(res.StackResourceDetail.PhysicalResourceId) != nsID || res.StackResourceDetail.ResourceStatus != "CREATE_COMPLETE" {
		t.Fatalf("describe-stack-resource: %v %+v", err, res)
	}
	_, err = c.DescribeStackResource(ctx, &cfn.DescribeStackResourceInput{StackName: aws.String("life"), LogicalResourceId: aws.String("Nope")})
	apiError(t, "describe a missing resource", err, "ValidationError", "Resource Nope does not exist for stack life")
	list, err := c.ListStackResources(ctx, &cfn.ListStackResourcesInput{StackName: aws.String("life")})
	if err != nil || len(list.StackResourceSummaries) != 2 || aws.ToString(list.StackResourceSummaries[1].ResourceType) != "AWS::EC2::VPC" {
		t.Fatalf("list-stack-resources: %v %+v", err, list)
	}
	byPhysical, err := c.DescribeStackResources(ctx, &cfn.DescribeStackResourcesInput{PhysicalResourceId: aws.String(nsID)})
	if err != nil || len(byPhysical.StackResources) != 1 || aws.ToString(byPhysical.StackResources[0].StackName) != "life" {
		t.Fatalf("describe-stack-resources by physical id: %v %+v", err, byPhysical)
	}
	tpl, err := c.GetTemplate(ctx, &cfn.GetTemplateInput{StackName: aws.String("life")})
	if err != nil || aws.ToString(tpl.TemplateBody) != namespaceTemplate {
		t.Fatalf("get-template: %v %+v", err, tpl)
	}

	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("life"), UsePreviousTemplate: aws.Bool(true)})
	apiError(t, "update without changes", err, "ValidationError", "No updates are to be performed.")
	_, err = c.UpdateStack(ctx, &cfn.UpdateStackInput{StackName: aws.String("life"), UsePreviousTemplate: aws.Bool(true),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Name"), ParameterValue: aws.String("second")}, {ParameterKey: aws.String("Secret"), UsePreviousValue: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	s = waitUpdate(t, c, "life")
	if aws.ToString(s.Outputs[0].OutputValue) == nsID || s.LastUpdatedTime == nil {
		t.Fatalf("the update kept namespace %s: %+v", nsID, s)
	}

	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("life")}); err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, "life")
	_, err = c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("life")})
	apiError(t, "describe a deleted stack by name", err, "ValidationError", "Stack with id life does not exist")
	gone, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: created.StackId})
	if err != nil || gone.Stacks[0].StackStatus != "DELETE_COMPLETE" || gone.Stacks[0].DeletionTime == nil {
		t.Fatalf("describe a deleted stack by id: %v %+v", err, gone)
	}
	listed, err := c.ListStacks(ctx, &cfn.ListStacksInput{StackStatusFilter: []types.StackStatus{"DELETE_COMPLETE"}})
	if err != nil || len(listed.StackSummaries) != 1 || aws.ToString(listed.StackSummaries[0].StackId) != aws.ToString(created.StackId) {
		t.Fatalf("list-stacks DELETE_COMPLETE: %v %+v", err, listed)
	}
	ns, _ := sd.NewFromConfig(env.AWS).ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if len(ns.Namespaces) != 0 {
		t.Fatalf("namespaces left: %d", len(ns.Namespaces))
	}
	// Deleting what is gone is a no-op, as on AWS.
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("life")}); err != nil {
		t.Fatal(err)
	}
}
