package iam_test

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/iam/iamtest"
)

// The calls below are the Terraform AWS provider's (internal/service/iam:
// role.go, role_policy.go, role_policies_exclusive.go,
// role_policy_attachment.go; internal/service/sts caller_identity data
// source), in its order: create, read back, read again (a refresh, which
// must see what the first read saw: no plan diff), destroy.

const ecsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const logsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`

const taskExecPolicy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// roleState is what the provider keeps of aws_iam_role and its companions
// after a read: the attributes a plan compares.
type roleState struct {
	ARN, UniqueID, Path, Description, AssumeRolePolicy string
	MaxSessionDuration                                 int32
	Tags                                               map[string]string
	InlinePolicies                                     map[string]string // name -> decoded document
	PolicyNames                                        []string          // aws_iam_role_policies_exclusive
	ManagedPolicyArns                                  []string
}

// readRole is resourceRoleRead, with the reads of aws_iam_role_policy
// (GetRolePolicy), aws_iam_role_policies_exclusive (ListRolePolicies) and
// aws_iam_role_policy_attachment (ListAttachedRolePolicies) it shares.
func readRole(ctx context.Context, t *testing.T, c *iam.Client, name string) roleState {
	t.Helper()
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	r := got.Role
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatalf("assume role policy is not URL-encoded: %v", err)
	}
	s := roleState{ARN: aws.ToString(r.Arn), UniqueID: aws.ToString(r.RoleId), Path: aws.ToString(r.Path), Description: aws.ToString(r.Description),
		AssumeRolePolicy: doc, MaxSessionDuration: aws.ToInt32(r.MaxSessionDuration), Tags: map[string]string{}, InlinePolicies: map[string]string{}}
	for _, tag := range r.Tags {
		s.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	for p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: &name}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListRolePolicies: %v", err)
		}
		s.PolicyNames = append(s.PolicyNames, page.PolicyNames...)
	}
	for _, pn := range s.PolicyNames {
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &pn})
		if err != nil {
			t.Fatalf("GetRolePolicy %s: %v", pn, err)
		}
		if s.InlinePolicies[pn], err = url.QueryUnescape(aws.ToString(out.PolicyDocument)); err != nil {
			t.Fatalf("policy document is not URL-encoded: %v", err)
		}
	}
	for p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: &name}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAttachedRolePolicies: %v", err)
		}
		for _, a := range page.AttachedPolicies {
			s.ManagedPolicyArns = append(s.ManagedPolicyArns, aws.ToString(a.PolicyArn))
		}
	}
	return s
}

func equivalentJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestTerraformRoleLifecycle(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	c := e.IAMClient()
	name := "backend-task"

	// data.aws_caller_identity
	id, err := e.STSClient().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != iamtest.AccountID || aws.ToString(id.Arn) != "arn:aws:iam::"+iamtest.AccountID+":root" {
		t.Fatalf("caller identity: %+v", id)
	}

	// aws_iam_role: CreateRole, then its read.
	created, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, Path: aws.String("/"), AssumeRolePolicyDocument: aws.String(ecsTrust),
		Description: aws.String("backend task role"), MaxSessionDuration: aws.Int32(7200), Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("demo")}}})
	if err != nil {
		t.Fatal(err)
	}
	// aws_iam_role_policy: PutRolePolicy, then GetRolePolicy.
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String("logs"), PolicyDocument: aws.String(logsPolicy)}); err != nil {
		t.Fatal(err)
	}
	// aws_iam_role_policy_attachment: AttachRolePolicy, then ListAttachedRolePolicies.
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(taskExecPolicy)}); err != nil {
		t.Fatal(err)
	}
	first := readRole(ctx, t, c, name)
	if first.ARN != "arn:aws:iam::000000000000:role/backend-task" || first.ARN != aws.ToString(created.Role.Arn) || len(first.UniqueID) != 21 || first.UniqueID[:4] != "AROA" {
		t.Fatalf("role ids: %+v", first)
	}
	if !equivalentJSON(t, first.AssumeRolePolicy, ecsTrust) || !equivalentJSON(t, first.InlinePolicies["logs"], logsPolicy) {
		t.Fatalf("documents changed: %+v", first)
	}
	if first.MaxSessionDuration != 7200 || first.Description != "backend task role" || first.Tags["app"] != "demo" || first.Path != "/" {
		t.Fatalf("role attributes: %+v", first)
	}
	if !slices.Equal(first.PolicyNames, []string{"logs"}) || !slices.Equal(first.ManagedPolicyArns, []string{taskExecPolicy}) {
		t.Fatalf("policies: %+v", first)
	}
	// A refresh: the same answers, so the plan is empty.
	if second := readRole(ctx, t, c, name); !reflect.DeepEqual(first, second) {
		t.Fatalf("second read differs:\n%+v\n%+v", first, second)
	}

	// aws_iam_role_policies_exclusive with policy_names = ["logs"]: a
	// policy made outside Terraform is deleted on apply.
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: aws.String("stray"), PolicyDocument: aws.String(logsPolicy)}); err != nil {
		t.Fatal(err)
	}
	for _, pn := range readRole(ctx, t, c, name).PolicyNames {
		if pn != "logs" {
			if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &pn}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := readRole(ctx, t, c, name); !reflect.DeepEqual(first, got) {
		t.Fatalf("after the exclusive apply:\n%+v\n%+v", first, got)
	}

	// Destroy, in the provider's order: the attachment and the inline
	// policy (their own resources), then the role (role.go's DeleteRole:
	// instance profiles first).
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(taskExecPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: &name})
	if err != nil || len(profiles.InstanceProfiles) != 0 {
		t.Fatalf("ListInstanceProfilesForRole: %v %+v", err, profiles)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name}); err != nil {
		t.Fatal(err)
	}
	// The provider's delete waiters read until NoSuchEntity.
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	awstest.WantCode(t, err, "NoSuchEntity")
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: aws.String("logs")})
	awstest.WantCode(t, err, "NoSuchEntity")
	_, err = c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
	awstest.WantCode(t, err, "NoSuchEntity")
	kvs, _, err := e.Store.List(ctx, "iam/")
	if err != nil || len(kvs) != 0 {
		t.Fatalf("destroy left %d records (%v)", len(kvs), err)
	}
}
