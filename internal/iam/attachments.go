package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

type RolePolicyArnInput struct {
	RoleName  string
	PolicyArn string
}

// AttachRolePolicy attaches a managed policy to a role. A customer managed
// policy's record is rewritten in the same transaction, so that a
// concurrent DeletePolicy sees the attachment or fails its compare.
func (c *Control) AttachRolePolicy(ctx context.Context, in *RolePolicyArnInput) (*Empty, error) {
	return &Empty{}, c.changeRolePolicies(ctx, in.RoleName, func(role *Role) ([]store.Op, error) {
		name, ops, err := c.attachable(ctx, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		rec := attachment{PolicyName: name, PolicyArn: in.PolicyArn}
		return append(ops, store.Put(attachmentKey(role.RoleName, in.PolicyArn), store.JSON(rec))), nil
	})
}

// attachable is the name of the managed policy arn names, and the ops that
// guard it: any AWS managed ARN is attachable (IAM has hundreds; Portolan
// knows a few), a customer managed one must exist.
func (c *Control) attachable(ctx context.Context, arn string) (string, []store.Op, error) {
	if isAWSManaged(arn) {
		return arn[strings.LastIndexByte(arn, '/')+1:], nil, nil
	}
	rec, kv, err := c.customerPolicy(ctx, arn)
	if err != nil {
		return "", nil, err
	}
	return rec.PolicyName, []store.Op{store.Put(kv.Key, kv.Value)}, nil
}

// DetachRolePolicy detaches a managed policy from a role.
func (c *Control) DetachRolePolicy(ctx context.Context, in *RolePolicyArnInput) (*Empty, error) {
	if in.PolicyArn == "" {
		return nil, missing("policyArn")
	}
	return &Empty{}, c.changeRolePolicies(ctx, in.RoleName, func(role *Role) ([]store.Op, error) {
		key := attachmentKey(role.RoleName, in.PolicyArn)
		if _, err := c.st.Get(ctx, key); errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSuchEntity.Newf("Policy %s was not found.", in.PolicyArn)
		} else if err != nil {
			return nil, err
		}
		return []store.Op{store.Delete(key)}, nil
	})
}

type ListAttachedRolePoliciesInput struct {
	RoleName   string
	PathPrefix string
	Paging
}

type ListAttachedRolePoliciesOutput struct {
	AttachedPolicies []AttachedPolicy
	Page
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (c *Control) ListAttachedRolePolicies(ctx context.Context, in *ListAttachedRolePoliciesInput) (*ListAttachedRolePoliciesOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, attachmentsOf(role.RoleName))
	if err != nil {
		return nil, err
	}
	attached := []AttachedPolicy{}
	for _, kv := range kvs {
		a := store.DecodeJSON[attachment](kv.Value)
		if a == nil {
			continue
		}
		if in.PathPrefix != "" && !strings.HasPrefix(policyPath(a.PolicyArn), in.PathPrefix) {
			continue
		}
		attached = append(attached, AttachedPolicy(*a))
	}
	page, p, err := paginate(attached, func(a AttachedPolicy) string { return a.PolicyArn }, in.Paging)
	if err != nil {
		return nil, err
	}
	return &ListAttachedRolePoliciesOutput{AttachedPolicies: page, Page: p}, nil
}

// policyPath is the path of a policy ARN: "/" in arn:…:policy/name,
// "/service-role/" in arn:…:policy/service-role/name.
func policyPath(arn string) string {
	_, rest, _ := strings.Cut(arn, ":policy/")
	return "/" + rest[:strings.LastIndexByte(rest, '/')+1]
}
