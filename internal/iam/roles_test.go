package iam_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/iam/iamtest"
)

func TestRoleRefusalsChangeNothing(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	c := e.IAMClient()
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(ecsTrust)}); err != nil {
		t.Fatal(err)
	}
	rev := e.Store.Revision()
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"same name, other case", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("APP"), AssumeRolePolicyDocument: aws.String(ecsTrust)})
			return err
		}, "EntityAlreadyExists"},
		{"trust policy not JSON", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String("{")})
			return err
		}, "MalformedPolicyDocument"},
		{"trust policy without a principal", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(logsPolicy)})
			return err
		}, "MalformedPolicyDocument"},
		{"identity policy with a principal", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"), PolicyDocument: aws.String(ecsTrust)})
			return err
		}, "MalformedPolicyDocument"},
		{"bad effect", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`)})
			return err
		}, "MalformedPolicyDocument"},
		{"name with a space", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("a b"), AssumeRolePolicyDocument: aws.String(ecsTrust)})
			return err
		}, "ValidationError"},
		{"session too long", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(ecsTrust), MaxSessionDuration: aws.Int32(50000)})
			return err
		}, "ValidationError"},
		{"policy of a missing role", func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("nobody"), PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
			return err
		}, "NoSuchEntity"},
		{"trust policy over 2048 characters", func() error {
			big := strings.Replace(ecsTrust, `"sts:AssumeRole"`, `["sts:AssumeRole"`+strings.Repeat(`,"sts:TagSession"`, 120)+`]`, 1)
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(big)})
			return err
		}, "LimitExceeded"},
		{"inline policies over 10240 characters", func() error {
			big := strings.Replace(logsPolicy, `"logs:PutLogEvents"`, `"logs:PutLogEvents"`+strings.Repeat(`,"logs:GetLogEvents"`, 600), 1)
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("p"), PolicyDocument: aws.String(big)})
			return err
		}, "LimitExceeded"},
		{"attach a missing policy", func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/nothing")})
			return err
		}, "NoSuchEntity"},
	} {
		t.Run(tc.name, func(t *testing.T) { awstest.WantCode(t, tc.call(), tc.code) })
	}
	if e.Store.Revision() != rev {
		t.Fatal("a refused call wrote to the store")
	}
}

func TestDeleteRoleConflicts(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	c := e.IAMClient()
	name := aws.String("app")
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: aws.String(ecsTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("logs"), PolicyDocument: aws.String(logsPolicy)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	awstest.WantCode(t, err, "DeleteConflict")
	c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String("logs")})

	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String(taskExecPolicy)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	awstest.WantCode(t, err, "DeleteConflict")
	c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(taskExecPolicy)})

	if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: name}); err != nil {
		t.Fatal(err)
	}
	profiles, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: name})
	if err != nil || len(profiles.InstanceProfiles) != 1 || aws.ToString(profiles.InstanceProfiles[0].Roles[0].RoleName) != "app" {
		t.Fatalf("profiles: %v %+v", err, profiles)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	awstest.WantCode(t, err, "DeleteConflict")
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	awstest.WantCode(t, err, "DeleteConflict")
	if _, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("ip")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil {
		t.Fatal(err)
	}
}

func TestManagedPolicyVersions(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	c := e.IAMClient()
	created, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("logs"), Path: aws.String("/app/"), PolicyDocument: aws.String(logsPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	arn := created.Policy.Arn
	if aws.ToString(arn) != "arn:aws:iam::000000000000:policy/app/logs" || aws.ToString(created.Policy.DefaultVersionId) != "v1" {
		t.Fatalf("policy: %+v", created.Policy)
	}
	v2doc := strings.Replace(logsPolicy, `"*"`, `"arn:aws:logs:*:*:*"`, 1)
	v2, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(v2doc), SetAsDefault: true})
	if err != nil || aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion: %v %+v", err, v2)
	}
	got, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(got.PolicyVersion.Document)); doc != v2doc {
		t.Fatalf("document %q", doc)
	}
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	awstest.WantCode(t, err, "DeleteConflict")
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(ecsTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToInt32(p.Policy.AttachmentCount) != 1 || aws.ToString(p.Policy.DefaultVersionId) != "v2" {
		t.Fatalf("GetPolicy: %v %+v", err, p)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	awstest.WantCode(t, err, "DeleteConflict")
	c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: arn})
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	awstest.WantCode(t, err, "DeleteConflict") // v1 is still there
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}

	// AWS managed policies read back.
	aws1, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(taskExecPolicy)})
	if err != nil || aws.ToString(aws1.Policy.PolicyName) != "AmazonECSTaskExecutionRolePolicy" || aws.ToString(aws1.Policy.Path) != "/service-role/" {
		t.Fatalf("AWS managed policy: %v %+v", err, aws1)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(taskExecPolicy), VersionId: aws1.Policy.DefaultVersionId})
	if err != nil || !strings.Contains(aws.ToString(v.PolicyVersion.Document), "ecr%3AGetAuthorizationToken") {
		t.Fatalf("AWS managed policy version: %v %+v", err, v)
	}
}

func TestServiceLinkedRole(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	c := e.IAMClient()
	out, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Role.Arn) != "arn:aws:iam::000000000000:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS" {
		t.Fatalf("role: %s", aws.ToString(out.Role.Arn))
	}
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.amazonaws.com")})
	awstest.WantCode(t, err, "InvalidInput")
	if _, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.application-autoscaling.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
}
