package terraform_test

import (
	"net/url"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const tasksTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// callerIdentity is data.aws_caller_identity: GetCallerIdentity.
func (p *plan) callerIdentity() string {
	p.t.Helper()
	out := must[*sts.GetCallerIdentityOutput](p, "GetCallerIdentity")(sts.NewFromConfig(p.cfg()).GetCallerIdentity(p.ctx, &sts.GetCallerIdentityInput{}))
	return *out.Account
}

// applyRole applies aws_iam_role (ECS tasks trust), aws_iam_role_policy
// (inline, logs), and aws_iam_role_policies_exclusive naming that policy;
// the design updates the role's description in place. It returns the
// role's ARN.
func (p *plan) applyRole(name, policy string) string {
	p.t.Helper()
	c := iam.NewFromConfig(p.cfg())
	role := must[*iam.CreateRoleOutput](p, "CreateRole")(c.CreateRole(p.ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(tasksTrust),
		Description: aws.String("tasks"), MaxSessionDuration: aws.Int32(3600), Path: aws.String("/")}))
	readRole := func() any {
		var r *iam.GetRoleOutput
		p.retryOn("GetRole", func() (err error) { r, err = c.GetRole(p.ctx, &iam.GetRoleInput{RoleName: &name}); return err }, "NoSuchEntity")
		// The provider compares the trust policy as JSON after decoding it.
		doc, err := url.QueryUnescape(*r.Role.AssumeRolePolicyDocument)
		if err != nil {
			p.t.Fatal(err)
		}
		inline := must[*iam.ListRolePoliciesOutput](p, "ListRolePolicies")(c.ListRolePolicies(p.ctx, &iam.ListRolePoliciesInput{RoleName: &name}))
		attached := must[*iam.ListAttachedRolePoliciesOutput](p, "ListAttachedRolePolicies")(c.ListAttachedRolePolicies(p.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name}))
		return []any{*r.Role.Arn, *r.Role.RoleId, doc, aws.ToString(r.Role.Description), *r.Role.MaxSessionDuration, *r.Role.Path, inline.PolicyNames, attached.AttachedPolicies}
	}
	if doc := readRole().([]any)[2].(string); !sameJSON(doc, tasksTrust) {
		p.t.Fatalf("trust policy read back as %s", doc)
	}
	p.apply("aws_iam_role."+name, readRole, func() {
		// The provider's delete: instance profiles, attached and inline
		// policies, then the role.
		must[*iam.ListInstanceProfilesForRoleOutput](p, "ListInstanceProfilesForRole")(c.ListInstanceProfilesForRole(p.ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: &name}))
		inline := must[*iam.ListRolePoliciesOutput](p, "ListRolePolicies")(c.ListRolePolicies(p.ctx, &iam.ListRolePoliciesInput{RoleName: &name}))
		for _, pn := range inline.PolicyNames {
			must[*iam.DeleteRolePolicyOutput](p, "DeleteRolePolicy")(c.DeleteRolePolicy(p.ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &pn}))
		}
		must[*iam.DeleteRoleOutput](p, "DeleteRole")(c.DeleteRole(p.ctx, &iam.DeleteRoleInput{RoleName: &name}))
		p.gone("role", "NoSuchEntity", func() error { _, err := c.GetRole(p.ctx, &iam.GetRoleInput{RoleName: &name}); return err })
	})
	// The design's update: a new description (UpdateRole).
	must[*iam.UpdateRoleOutput](p, "UpdateRole")(c.UpdateRole(p.ctx, &iam.UpdateRoleInput{RoleName: &name, Description: aws.String("ECS tasks of " + name)}))
	p.update("aws_iam_role." + name)

	pname := name + "-logs"
	must[*iam.PutRolePolicyOutput](p, "PutRolePolicy")(c.PutRolePolicy(p.ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: &pname, PolicyDocument: &policy}))
	p.apply("aws_iam_role_policy."+pname, func() any {
		var out *iam.GetRolePolicyOutput
		p.retryOn("GetRolePolicy", func() (err error) {
			out, err = c.GetRolePolicy(p.ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &pname})
			return err
		}, "NoSuchEntity")
		doc, _ := url.QueryUnescape(*out.PolicyDocument)
		if !sameJSON(doc, policy) {
			p.t.Fatalf("policy read back as %s", doc)
		}
		return doc
	}, func() {
		_, err := c.DeleteRolePolicy(p.ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &pname})
		if err != nil && code(err) != "NoSuchEntity" {
			p.t.Fatal(err)
		}
	})
	// aws_iam_role_policies_exclusive: the role's inline policies are
	// exactly the named ones (it deletes any other on apply).
	p.apply("aws_iam_role_policies_exclusive."+name, func() any {
		out := must[*iam.ListRolePoliciesOutput](p, "ListRolePolicies")(c.ListRolePolicies(p.ctx, &iam.ListRolePoliciesInput{RoleName: &name}))
		names := append([]string{}, out.PolicyNames...)
		sort.Strings(names)
		if len(names) != 1 || names[0] != pname {
			p.t.Fatalf("inline policies %v, want exactly %s", names, pname)
		}
		return names
	}, func() {})
	// The role read back with its inline policy.
	p.update("aws_iam_role." + name)
	return *role.Role.Arn
}
