package cloudformation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
)

const serviceTemplate = `Parameters:
  NamespaceName: {Type: String, Default: cs}
Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: !Ref NamespaceName, Description: one}
  Service:
    Type: AWS::ServiceDiscovery::Service
    Properties: {Name: api, NamespaceId: !Ref Namespace}
  Extra:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
`

type change struct {
	action, logicalID, replacement string
}

func changesOf(out *cfn.DescribeChangeSetOutput) []change {
	var got []change
	for _, ch := range out.Changes {
		rc := ch.ResourceChange
		got = append(got, change{string(rc.Action), aws.ToString(rc.LogicalResourceId), string(rc.Replacement)})
	}
	return got
}

// TestChangeSets: a CREATE change set puts a new stack in
// REVIEW_IN_PROGRESS and lists Adds; executing it creates the stack
// (ExecuteChangeSet holds its answer until then); an UPDATE change set
// lists Modify with Replacement True/Conditional/False and Remove; an
// unchanged template makes a FAILED change set with AWS's reason; only
// executable change sets execute; executing one deletes the others.
func TestChangeSets(t *testing.T) {
	env := cloudformationtest.Start(t, cloudformationtest.WithExecuteHold(30*time.Second))
	c, ctx := env.Client(), context.Background()
	created, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first"),
		ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(serviceTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfn.NewChangeSetCreateCompleteWaiter(c).Wait(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: created.Id}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changesOf(desc), []change{{"Add", "Extra", ""}, {"Add", "Namespace", ""}, {"Add", "Service", ""}}; !equalChanges(got, want) {
		t.Fatalf("CREATE change set: %v, want %v", got, want)
	}
	review, _ := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("cs")})
	if review.Stacks[0].StackStatus != "REVIEW_IN_PROGRESS" {
		t.Fatalf("stack of a CREATE change set: %s", review.Stacks[0].StackStatus)
	}
	_, err = c.GetTemplateSummary(ctx, &cfn.GetTemplateSummaryInput{StackName: aws.String("cs")})
	apiError(t, "summary of a stack in review", err, "ValidationError", "REVIEW_IN_PROGRESS")
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first")}); err != nil {
		t.Fatal(err)
	}
	s, _ := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("cs")})
	if s.Stacks[0].StackStatus != "CREATE_COMPLETE" || aws.ToString(s.Stacks[0].ChangeSetId) != aws.ToString(created.Id) {
		t.Fatalf("after execute-change-set: %s %s", s.Stacks[0].StackStatus, aws.ToString(s.Stacks[0].ChangeSetId))
	}
	if got := events(t, c, "cs"); got[0] != "cs REVIEW_IN_PROGRESS" || got[len(got)-1] != "cs CREATE_COMPLETE" {
		t.Fatalf("events %v", got)
	}
	executed, _ := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: created.Id})
	if executed.ExecutionStatus != "EXECUTE_COMPLETE" {
		t.Fatalf("executed change set: %s", executed.ExecutionStatus)
	}

	// Unchanged: FAILED, with the reason the AWS CLI looks for.
	none, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("same"), UsePreviousTemplate: aws.Bool(true),
		Parameters: []types.Parameter{{ParameterKey: aws.String("NamespaceName"), UsePreviousValue: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	same, _ := c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: none.Id})
	if same.Status != "FAILED" || same.ExecutionStatus != "UNAVAILABLE" ||
		aws.ToString(same.StatusReason) != "The submitted information didn't contain changes. Submit different information to create a change set." {
		t.Fatalf("unchanged change set: %s %s %q", same.Status, same.ExecutionStatus, aws.ToString(same.StatusReason))
	}
	_, err = c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: none.Id})
	apiError(t, "execute a FAILED change set", err, "InvalidChangeSetStatus", "cannot be executed")

	// An update: the namespace is renamed (replaced), so the service that
	// names it may be replaced too; Extra goes; the description is in place.
	updated := strings.Replace(serviceTemplate, "  Extra:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n", "", 1)
	upd, err := c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("rename"), TemplateBody: aws.String(updated),
		Parameters: []types.Parameter{{ParameterKey: aws.String("NamespaceName"), ParameterValue: aws.String("cs2")}}})
	if err != nil {
		t.Fatal(err)
	}
	desc, _ = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: upd.Id})
	want := []change{{"Modify", "Namespace", "True"}, {"Modify", "Service", "Conditional"}, {"Remove", "Extra", ""}}
	if got := changesOf(desc); !equalChanges(got, want) {
		t.Fatalf("UPDATE change set: %v, want %v", got, want)
	}
	detail := desc.Changes[0].ResourceChange.Details[0]
	if aws.ToString(detail.Target.Name) != "Name" || detail.Target.RequiresRecreation != "Always" || detail.ChangeSource != "ParameterReference" ||
		aws.ToString(detail.CausingEntity) != "NamespaceName" || desc.Changes[0].ResourceChange.Scope[0] != "Properties" {
		t.Fatalf("namespace change detail %+v", detail)
	}
	detail = desc.Changes[1].ResourceChange.Details[0]
	if detail.Evaluation != "Dynamic" || detail.ChangeSource != "ResourceReference" || aws.ToString(detail.CausingEntity) != "Namespace" {
		t.Fatalf("service change detail %+v", detail)
	}
	list, err := c.ListChangeSets(ctx, &cfn.ListChangeSetsInput{StackName: aws.String("cs")})
	if err != nil || len(list.Summaries) != 3 {
		t.Fatalf("list-change-sets: %v %+v", err, list)
	}
	if _, err := c.ExecuteChangeSet(ctx, &cfn.ExecuteChangeSetInput{ChangeSetName: upd.Id}); err != nil {
		t.Fatal(err)
	}
	if s := waitUpdate(t, c, "cs"); len(s.Parameters) != 1 || aws.ToString(s.Parameters[0].ParameterValue) != "cs2" {
		t.Fatalf("after the update: %+v", s.Parameters)
	}
	list, _ = c.ListChangeSets(ctx, &cfn.ListChangeSetsInput{StackName: aws.String("cs")})
	if len(list.Summaries) != 1 || aws.ToString(list.Summaries[0].ChangeSetName) != "rename" {
		t.Fatalf("change sets after executing one: %+v", list.Summaries)
	}
	if _, err := c.DeleteChangeSet(ctx, &cfn.DeleteChangeSetInput{ChangeSetName: upd.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeChangeSet(ctx, &cfn.DescribeChangeSetInput{ChangeSetName: upd.Id})
	apiError(t, "describe a deleted change set", err, "ChangeSetNotFound", "does not exist")
	_, err = c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("nope"), ChangeSetName: aws.String("x"), TemplateBody: aws.String(serviceTemplate)})
	apiError(t, "UPDATE change set of no stack", err, "ValidationError", "Stack [nope] does not exist")
	_, err = c.CreateChangeSet(ctx, &cfn.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("x"), ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(serviceTemplate)})
	apiError(t, "CREATE change set of a stack", err, "AlreadyExistsException", "Stack [cs] already exists")
}

func equalChanges(a, b []change) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
