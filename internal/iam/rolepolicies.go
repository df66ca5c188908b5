package iam

import (
	"context"
	"errors"

	"github.com/portolan/portolan/internal/restapi/policy"
	"github.com/portolan/portolan/internal/store"
)

type PutRolePolicyInput struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

// PutRolePolicy creates or replaces a role's inline policy.
func (c *Control) PutRolePolicy(ctx context.Context, in *PutRolePolicyInput) (*Empty, error) {
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	if err := checkDocument("policyDocument", in.PolicyDocument, policy.IdentityPolicy); err != nil {
		return nil, err
	}
	return &Empty{}, c.changeRolePolicies(ctx, in.RoleName, func(role *Role) ([]store.Op, error) {
		if err := c.checkInlineQuota(ctx, role.RoleName, in.PolicyName, in.PolicyDocument); err != nil {
			return nil, err
		}
		rec := rolePolicy{RoleName: role.RoleName, PolicyName: in.PolicyName, PolicyDocument: in.PolicyDocument}
		return []store.Op{store.Put(rolePolicyKey(role.RoleName, in.PolicyName), store.JSON(rec))}, nil
	})
}

// checkInlineQuota refuses an inline policy that would take a role's
// inline policies together past IAM's quota.
func (c *Control) checkInlineQuota(ctx context.Context, role, name, doc string) error {
	kvs, _, err := c.st.List(ctx, rolePoliciesOf(role))
	if err != nil {
		return err
	}
	size := policySize(doc)
	for _, kv := range kvs {
		if p := store.DecodeJSON[rolePolicy](kv.Value); p != nil && p.PolicyName != name {
			size += policySize(p.PolicyDocument)
		}
	}
	if size > maxInlinePolicy {
		return ErrLimitExceeded.Newf("Maximum policy size of %d bytes exceeded for role %s", maxInlinePolicy, role)
	}
	return nil
}

// changeRolePolicies commits ops that change what is attached to a role
// (inline policies, attachments) together with a rewrite of the role's
// record, which DeleteRole compares against.
func (c *Control) changeRolePolicies(ctx context.Context, roleName string, ops func(*Role) ([]store.Op, error)) error {
	return c.commit(ctx, func() (store.Txn, error) {
		role, kv, err := c.role(ctx, roleName)
		if err != nil {
			return store.Txn{}, err
		}
		then, err := ops(role)
		if err != nil {
			return store.Txn{}, err
		}
		then = append(then, store.Put(kv.Key, kv.Value))
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: then}, nil
	})
}

type RolePolicyInput struct {
	RoleName   string
	PolicyName string
}

type GetRolePolicyOutput struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

// GetRolePolicy returns an inline policy, its document URL-encoded.
func (c *Control) GetRolePolicy(ctx context.Context, in *RolePolicyInput) (*GetRolePolicyOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	if in.PolicyName == "" {
		return nil, missing("policyName")
	}
	rec, _, err := store.GetJSON[rolePolicy](ctx, c.st, rolePolicyKey(role.RoleName, in.PolicyName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, rolePolicyNotFound(in.RoleName, in.PolicyName)
	}
	if err != nil {
		return nil, err
	}
	return &GetRolePolicyOutput{RoleName: role.RoleName, PolicyName: rec.PolicyName, PolicyDocument: encodeDocument(rec.PolicyDocument)}, nil
}

// DeleteRolePolicy deletes an inline policy.
func (c *Control) DeleteRolePolicy(ctx context.Context, in *RolePolicyInput) (*Empty, error) {
	return &Empty{}, c.changeRolePolicies(ctx, in.RoleName, func(role *Role) ([]store.Op, error) {
		key := rolePolicyKey(role.RoleName, in.PolicyName)
		if _, err := c.st.Get(ctx, key); errors.Is(err, store.ErrNotFound) {
			return nil, rolePolicyNotFound(in.RoleName, in.PolicyName)
		} else if err != nil {
			return nil, err
		}
		return []store.Op{store.Delete(key)}, nil
	})
}

type ListRolePoliciesInput struct {
	RoleName string
	Paging
}

type ListRolePoliciesOutput struct {
	PolicyNames []string
	Page
}

// ListRolePolicies lists the names of a role's inline policies.
func (c *Control) ListRolePolicies(ctx context.Context, in *ListRolePoliciesInput) (*ListRolePoliciesOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, rolePoliciesOf(role.RoleName))
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, kv := range kvs {
		if rec := store.DecodeJSON[rolePolicy](kv.Value); rec != nil {
			names = append(names, rec.PolicyName)
		}
	}
	page, p, err := paginate(names, func(s string) string { return s }, in.Paging)
	if err != nil {
		return nil, err
	}
	return &ListRolePoliciesOutput{PolicyNames: page, Page: p}, nil
}
