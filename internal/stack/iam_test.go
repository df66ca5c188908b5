package stack_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/iam/iamtest"
	"github.com/portolan/portolan/internal/stack"
)

// iamTemplate is a task role as CDK synthesizes one (a trust policy, an
// inline policy of its own, an AWS managed policy), with a policy
// (AWS::IAM::Policy) and a managed policy of the stack attached to it,
// and an instance profile holding it. The parameter changes the
// documents and the description in place.
const iamTemplate = `
Parameters:
  Action: {Type: String, Default: "logs:PutLogEvents"}
Resources:
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Action: "sts:AssumeRole", Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}}]
        Version: "2012-10-17"
      Description: {Ref: Action}
      ManagedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
      Policies:
        - PolicyName: own
          PolicyDocument: {Statement: [{Effect: Allow, Action: {Ref: Action}, Resource: "*"}]}
  TaskRoleDefaultPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: TaskRoleDefaultPolicy
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: {Ref: Action}, Resource: "*"}]}
      Roles: [{Ref: TaskRole}]
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: {Ref: Action}, Resource: "*"}]}
      Roles: [{Ref: TaskRole}]
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: {Roles: [{Ref: TaskRole}]}
Outputs:
  RoleName: {Value: {Ref: TaskRole}}
  RoleArn: {Value: {"Fn::GetAtt": [TaskRole, Arn]}}
  RoleId: {Value: {"Fn::GetAtt": [TaskRole, RoleId]}}
  PolicyArn: {Value: {Ref: Shared}}
  ProfileArn: {Value: {"Fn::GetAtt": [Profile, Arn]}}
`

// TestIAMResources: the IAM resources are IAM's own objects, their Refs
// and GetAtts the real ones; an update changes documents in place (a new
// default version of the managed policy); destroying the stack leaves
// nothing in IAM.
func TestIAMResources(t *testing.T) {
	e := iamtest.Start(t)
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: iamtest.AccountID, Store: e.Store, IAM: e.IAM})
	ctx := context.Background()
	deploy := func(params map[string]string) *stack.Stack {
		t.Helper()
		var events []stack.Event
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "roles", Template: []byte(iamTemplate), Parameters: params}, func(ev stack.Event) { events = append(events, ev) })
		if err != nil {
			t.Fatalf("deploy: %v\n%v", err, events)
		}
		return st
	}
	st := deploy(nil)
	if len(st.NotEmulated) != 0 {
		t.Fatalf("not emulated: %v", st.NotEmulated)
	}
	out := outputs(st)
	c := e.IAMClient()
	role, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(out["RoleName"])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(role.Role.Arn) != out["RoleArn"] || aws.ToString(role.Role.RoleId) != out["RoleId"] || !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(out["RoleId"]) {
		t.Fatalf("outputs %v, role %+v", out, role.Role)
	}
	policies, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(out["RoleName"])})
	if err != nil || !slices.Equal(policies.PolicyNames, []string{"TaskRoleDefaultPolicy", "own"}) {
		t.Fatalf("inline policies: %v %v", policies, err)
	}
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(out["RoleName"])})
	if err != nil || len(attached.AttachedPolicies) != 2 {
		t.Fatalf("attached: %+v %v", attached, err)
	}
	profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(out["RoleName"])})
	if err != nil || len(profiles.InstanceProfiles) != 1 || aws.ToString(profiles.InstanceProfiles[0].Arn) != out["ProfileArn"] {
		t.Fatalf("profiles: %+v %v", profiles, err)
	}

	st = deploy(map[string]string{"Action": "s3:GetObject"})
	if got := outputs(st); got["RoleArn"] != out["RoleArn"] || got["PolicyArn"] != out["PolicyArn"] {
		t.Fatalf("the update replaced resources: %v, was %v", got, out)
	}
	own, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(out["RoleName"]), PolicyName: aws.String("own")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(own.PolicyDocument)); !strings.Contains(doc, "s3:GetObject") {
		t.Fatalf("inline policy after update: %s", doc)
	}
	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(out["PolicyArn"])})
	if err != nil || aws.ToString(p.Policy.DefaultVersionId) != "v2" {
		t.Fatalf("managed policy after update: %+v %v", p, err)
	}

	if err := d.Destroy(ctx, "roles", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	kvs, _, err := e.Store.List(ctx, "iam/")
	if err != nil || len(kvs) != 0 {
		t.Fatalf("destroy left %d IAM records (%v)", len(kvs), err)
	}
}
