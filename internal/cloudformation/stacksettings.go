package cloudformation

import (
	"context"
	"encoding/json"

	"github.com/portolan/portolan/internal/store"
)

// Stack settings that change no resource: termination protection and the
// stack policy. Stack policies are stored and returned, not enforced (a
// local stack has no one to protect resources from).

type UpdateTerminationProtectionInput struct {
	EnableTerminationProtection *bool
	StackName                   string
}

type UpdateTerminationProtectionOutput struct {
	StackId string
}

// UpdateTerminationProtection turns termination protection on or off:
// while on, DeleteStack refuses the stack.
func (c *Control) UpdateTerminationProtection(ctx context.Context, in *UpdateTerminationProtectionInput) (*UpdateTerminationProtectionOutput, error) {
	if in.EnableTerminationProtection == nil {
		return nil, validation("1 validation error detected: Value null at 'enableTerminationProtection' failed to satisfy constraint: Member must not be null")
	}
	rec, kv, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	rec.EnableTerminationProtection = *in.EnableTerminationProtection
	return &UpdateTerminationProtectionOutput{StackId: rec.StackId}, c.putIfUnchanged(ctx, rec, kv)
}

// putIfUnchanged writes a stack's record if nothing wrote it since kv.
func (c *Control) putIfUnchanged(ctx context.Context, rec *stackRecord, kv store.KV) error {
	if _, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(stackKey(rec.StackName), store.JSON(rec))}}); err != nil {
		return ErrOperationInProgress.Newf("Stack %s changed during the request; retry", rec.StackName)
	}
	return nil
}

type SetStackPolicyInput struct {
	StackName       string
	StackPolicyBody string
	StackPolicyURL  string
}

type SetStackPolicyOutput struct{}

// SetStackPolicy stores a stack's policy.
func (c *Control) SetStackPolicy(ctx context.Context, in *SetStackPolicyInput) (*SetStackPolicyOutput, error) {
	policy, err := policyText(in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	rec, kv, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	rec.StackPolicyBody = policy
	return &SetStackPolicyOutput{}, c.putIfUnchanged(ctx, rec, kv)
}

type GetStackPolicyInput struct {
	StackName string
}

type GetStackPolicyOutput struct {
	StackPolicyBody string
}

// GetStackPolicy returns a stack's policy, if it has one.
func (c *Control) GetStackPolicy(ctx context.Context, in *GetStackPolicyInput) (*GetStackPolicyOutput, error) {
	rec, _, err := c.liveStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	return &GetStackPolicyOutput{StackPolicyBody: rec.StackPolicyBody}, nil
}

// policyText reads a stack policy given in the body or by a file:// URL
// (at most one), and checks that it is JSON, as CloudFormation requires.
func policyText(body, url string) (string, error) {
	if body != "" && url != "" {
		return "", validation("You cannot specify both StackPolicyURL and StackPolicyBody")
	}
	if url != "" {
		var err error
		if body, err = readTemplateURL(url); err != nil {
			return "", err
		}
	}
	if body != "" && !json.Valid([]byte(body)) {
		return "", validation("Error validating stack policy: Invalid stack policy: the policy is not valid JSON")
	}
	return body, nil
}
