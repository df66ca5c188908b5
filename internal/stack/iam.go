package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/portolan/portolan/internal/iam"
)

// IAM's resources: roles with their inline policies and attachments,
// inline policies of their own (AWS::IAM::Policy), managed policies and
// instance profiles, made through IAM's own operations.

// document is a policy document property as IAM takes it: CloudFormation
// allows an object or a string holding one.
func document(v any, prop string) (string, error) {
	switch doc := v.(type) {
	case nil:
		return "", fmt.Errorf("%s is required", prop)
	case string:
		return doc, nil
	default:
		b, err := json.Marshal(doc)
		if err != nil {
			return "", fmt.Errorf("%s: %w", prop, err)
		}
		return string(b), nil
	}
}

// ignoreMissing is nil for an IAM NoSuchEntity: what a delete wants.
func ignoreMissing(err error) error {
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil
	}
	return err
}

// ---- Role ----

type inlinePolicy struct {
	PolicyName     string
	PolicyDocument any
}

type roleProps struct {
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument any
	Description              string
	MaxSessionDuration       *int
	PermissionsBoundary      string
	ManagedPolicyArns        []string
	Policies                 []inlinePolicy
	Tags                     []iam.Tag
}

type iamRole struct{ c *iam.Control }

func (h iamRole) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p roleProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	trust, err := document(p.AssumeRolePolicyDocument, "AssumeRolePolicyDocument")
	if err != nil {
		return "", nil, err
	}
	name := p.RoleName
	if name == "" {
		name = generatedName(r, 64)
	}
	out, err := h.c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: name, Path: p.Path, AssumeRolePolicyDocument: trust, Description: p.Description,
		MaxSessionDuration: p.MaxSessionDuration, PermissionsBoundary: p.PermissionsBoundary, Tags: p.Tags})
	if err != nil {
		return "", nil, err
	}
	attrs := map[string]any{"Arn": out.Role.Arn, "RoleId": out.Role.RoleId}
	// From here on the role exists: a failure below leaves it to rollback.
	if r.Exists != nil {
		if err := r.Exists(name, attrs); err != nil {
			return "", nil, err
		}
	}
	if err := h.sync(ctx, name, p, roleProps{}); err != nil {
		return "", nil, err
	}
	return name, attrs, nil
}

// sync brings a role's inline policies and attachments from was's to p's.
func (h iamRole) sync(ctx context.Context, name string, p, was roleProps) error {
	for _, pol := range p.Policies {
		doc, err := document(pol.PolicyDocument, "Policies.PolicyDocument")
		if err != nil {
			return err
		}
		if _, err := h.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: pol.PolicyName, PolicyDocument: doc}); err != nil {
			return err
		}
	}
	for _, old := range was.Policies {
		if !slices.ContainsFunc(p.Policies, func(n inlinePolicy) bool { return n.PolicyName == old.PolicyName }) {
			if _, err := h.c.DeleteRolePolicy(ctx, &iam.RolePolicyInput{RoleName: name, PolicyName: old.PolicyName}); ignoreMissing(err) != nil {
				return err
			}
		}
	}
	for _, arn := range missingFrom(p.ManagedPolicyArns, was.ManagedPolicyArns) {
		if _, err := h.c.AttachRolePolicy(ctx, &iam.RolePolicyArnInput{RoleName: name, PolicyArn: arn}); err != nil {
			return err
		}
	}
	for _, arn := range missingFrom(was.ManagedPolicyArns, p.ManagedPolicyArns) {
		if _, err := h.c.DetachRolePolicy(ctx, &iam.RolePolicyArnInput{RoleName: name, PolicyArn: arn}); ignoreMissing(err) != nil {
			return err
		}
	}
	return nil
}

// Update: a new RoleName or Path replaces the role, as in CloudFormation;
// the rest changes in place.
func (h iamRole) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was roleProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.RoleName != was.RoleName || p.Path != was.Path {
		return nil, ErrReplace
	}
	name := r.PhysicalID
	trust, err := document(p.AssumeRolePolicyDocument, "AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	if _, err := h.c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: trust}); err != nil {
		return nil, err
	}
	maxSession := p.MaxSessionDuration
	if maxSession == nil {
		maxSession = ptrTo(3600)
	}
	if _, err := h.c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, Description: &p.Description, MaxSessionDuration: maxSession}); err != nil {
		return nil, err
	}
	if err := h.sync(ctx, name, p, was); err != nil {
		return nil, err
	}
	var gone []string
	for _, t := range was.Tags {
		gone = append(gone, t.Key)
	}
	if _, err := h.c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: name, TagKeys: gone}); err != nil {
		return nil, err
	}
	if _, err := h.c.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: p.Tags}); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

// Delete takes what the role holds off it first, as CloudFormation does.
func (h iamRole) Delete(ctx context.Context, r *Resource) error {
	name := r.PhysicalID
	policies, err := h.c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: name})
	if err != nil {
		return ignoreMissing(err)
	}
	for _, pn := range policies.PolicyNames {
		if _, err := h.c.DeleteRolePolicy(ctx, &iam.RolePolicyInput{RoleName: name, PolicyName: pn}); ignoreMissing(err) != nil {
			return err
		}
	}
	attached, err := h.c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name})
	if err != nil {
		return ignoreMissing(err)
	}
	for _, a := range attached.AttachedPolicies {
		if _, err := h.c.DetachRolePolicy(ctx, &iam.RolePolicyArnInput{RoleName: name, PolicyArn: a.PolicyArn}); ignoreMissing(err) != nil {
			return err
		}
	}
	_, err = h.c.DeleteRole(ctx, &iam.RoleNameInput{RoleName: name})
	return ignoreMissing(err)
}
