package stack

import (
	"context"
	"errors"
	"slices"

	"github.com/portolan/portolan/internal/iam"
)

// ---- Policy: one inline policy put on several roles ----

type inlinePolicyProps struct {
	PolicyName     string
	PolicyDocument any
	Roles          []string
	Users          []string
	Groups         []string
}

func (p *inlinePolicyProps) check() error { return rolesOnly(p.Users, p.Groups) }

// rolesOnly refuses policies for users and groups, which IAM here lacks.
func rolesOnly(users, groups []string) error {
	if len(users) > 0 || len(groups) > 0 {
		return errors.New("properties Users and Groups: Portolan has no IAM users or groups; attach policies to Roles")
	}
	return nil
}

type iamPolicy struct{ c *iam.Control }

// Create puts the policy on each role. Its physical id is CloudFormation's
// generated kind (Ref gives it); nothing else names an inline policy.
func (h iamPolicy) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p inlinePolicyProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	if err := p.check(); err != nil {
		return "", nil, err
	}
	id := generatedName(r, 64)
	if r.Exists != nil {
		if err := r.Exists(id, map[string]any{"Id": id}); err != nil {
			return "", nil, err
		}
	}
	return id, map[string]any{"Id": id}, h.put(ctx, p, inlinePolicyProps{})
}

// put puts p on its roles and deletes it from was's roles it left (or all
// of them, under a new name).
func (h iamPolicy) put(ctx context.Context, p, was inlinePolicyProps) error {
	doc, err := document(p.PolicyDocument, "PolicyDocument")
	if err != nil {
		return err
	}
	for _, role := range p.Roles {
		if _, err := h.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: p.PolicyName, PolicyDocument: doc}); err != nil {
			return err
		}
	}
	return h.remove(ctx, was, p)
}

// remove deletes was from each of its roles, but those keep still has
// under the same name.
func (h iamPolicy) remove(ctx context.Context, was, keep inlinePolicyProps) error {
	for _, role := range was.Roles {
		if was.PolicyName == keep.PolicyName && slices.Contains(keep.Roles, role) {
			continue
		}
		if _, err := h.c.DeleteRolePolicy(ctx, &iam.RolePolicyInput{RoleName: role, PolicyName: was.PolicyName}); ignoreMissing(err) != nil {
			return err
		}
	}
	return nil
}

func (h iamPolicy) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was inlinePolicyProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	return r.Attrs, h.put(ctx, p, was)
}

func (h iamPolicy) Delete(ctx context.Context, r *Resource) error {
	var p inlinePolicyProps
	decodeProps(r.Props, &p)
	return h.remove(ctx, p, inlinePolicyProps{})
}

// ---- ManagedPolicy ----

type managedPolicyProps struct {
	ManagedPolicyName string
	Path              string
	Description       string
	PolicyDocument    any
	Roles             []string
	Users             []string
	Groups            []string
}

type iamManagedPolicy struct{ c *iam.Control }

func (h iamManagedPolicy) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p managedPolicyProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	if err := rolesOnly(p.Users, p.Groups); err != nil {
		return "", nil, err
	}
	doc, err := document(p.PolicyDocument, "PolicyDocument")
	if err != nil {
		return "", nil, err
	}
	name := p.ManagedPolicyName
	if name == "" {
		name = generatedName(r, 128)
	}
	out, err := h.c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: name, Path: p.Path, Description: p.Description, PolicyDocument: doc})
	if err != nil {
		return "", nil, err
	}
	arn := out.Policy.Arn
	if r.Exists != nil {
		if err := r.Exists(arn, managedPolicyAttrs(out.Policy)); err != nil {
			return "", nil, err
		}
	}
	if err := h.attach(ctx, arn, p.Roles, nil); err != nil {
		return "", nil, err
	}
	return arn, managedPolicyAttrs(out.Policy), nil
}

func managedPolicyAttrs(p *iam.Policy) map[string]any {
	return map[string]any{"PolicyArn": p.Arn, "PolicyId": p.PolicyId, "DefaultVersionId": p.DefaultVersionId, "IsAttachable": p.IsAttachable,
		"AttachmentCount": p.AttachmentCount, "PermissionsBoundaryUsageCount": p.PermissionsBoundaryUsageCount,
		"CreateDate": p.CreateDate.Format("2006-01-02T15:04:05Z"), "UpdateDate": p.UpdateDate.Format("2006-01-02T15:04:05Z")}
}

// attach attaches the policy to the roles of roles not in was, and
// detaches it from those of was no longer in roles.
func (h iamManagedPolicy) attach(ctx context.Context, arn string, roles, was []string) error {
	for _, role := range missingFrom(roles, was) {
		if _, err := h.c.AttachRolePolicy(ctx, &iam.RolePolicyArnInput{RoleName: role, PolicyArn: arn}); err != nil {
			return err
		}
	}
	for _, role := range missingFrom(was, roles) {
		if _, err := h.c.DetachRolePolicy(ctx, &iam.RolePolicyArnInput{RoleName: role, PolicyArn: arn}); ignoreMissing(err) != nil {
			return err
		}
	}
	return nil
}

// Update: a new name or path replaces the policy; a new document is a new
// default version (the oldest other one goes when five are kept).
func (h iamManagedPolicy) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was managedPolicyProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.ManagedPolicyName != was.ManagedPolicyName || p.Path != was.Path || p.Description != was.Description {
		return nil, ErrReplace
	}
	arn := r.PhysicalID
	doc, err := document(p.PolicyDocument, "PolicyDocument")
	if err != nil {
		return nil, err
	}
	if oldDoc, _ := document(was.PolicyDocument, "PolicyDocument"); doc != oldDoc {
		versions, err := h.c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
		if err != nil {
			return nil, err
		}
		if v := versions.Versions; len(v) >= 5 {
			oldest := v[len(v)-1]
			if oldest.IsDefaultVersion {
				oldest = v[len(v)-2]
			}
			if _, err := h.c.DeletePolicyVersion(ctx, &iam.PolicyVersionInput{PolicyArn: arn, VersionId: oldest.VersionId}); err != nil {
				return nil, err
			}
		}
		if _, err := h.c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: doc, SetAsDefault: true}); err != nil {
			return nil, err
		}
	}
	if err := h.attach(ctx, arn, p.Roles, was.Roles); err != nil {
		return nil, err
	}
	out, err := h.c.GetPolicy(ctx, &iam.PolicyArnInput{PolicyArn: arn})
	if err != nil {
		return nil, err
	}
	return managedPolicyAttrs(out.Policy), nil
}

// Delete detaches the policy and deletes its other versions first.
func (h iamManagedPolicy) Delete(ctx context.Context, r *Resource) error {
	arn := r.PhysicalID
	var p managedPolicyProps
	decodeProps(r.Props, &p)
	if err := h.attach(ctx, arn, nil, p.Roles); err != nil {
		return err
	}
	versions, err := h.c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil {
		return ignoreMissing(err)
	}
	for _, v := range versions.Versions {
		if !v.IsDefaultVersion {
			if _, err := h.c.DeletePolicyVersion(ctx, &iam.PolicyVersionInput{PolicyArn: arn, VersionId: v.VersionId}); ignoreMissing(err) != nil {
				return err
			}
		}
	}
	_, err = h.c.DeletePolicy(ctx, &iam.PolicyArnInput{PolicyArn: arn})
	return ignoreMissing(err)
}

// ---- InstanceProfile ----

type instanceProfileProps struct {
	InstanceProfileName string
	Path                string
	Roles               []string
}

type iamInstanceProfile struct{ c *iam.Control }

func (h iamInstanceProfile) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p instanceProfileProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	name := p.InstanceProfileName
	if name == "" {
		name = generatedName(r, 128)
	}
	out, err := h.c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: name, Path: p.Path})
	if err != nil {
		return "", nil, err
	}
	attrs := map[string]any{"Arn": out.InstanceProfile.Arn}
	if r.Exists != nil {
		if err := r.Exists(name, attrs); err != nil {
			return "", nil, err
		}
	}
	for _, role := range p.Roles {
		if _, err := h.c.AddRoleToInstanceProfile(ctx, &iam.InstanceProfileRoleInput{InstanceProfileName: name, RoleName: role}); err != nil {
			return "", nil, err
		}
	}
	return name, attrs, nil
}

func (h iamInstanceProfile) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was instanceProfileProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.InstanceProfileName != was.InstanceProfileName || p.Path != was.Path {
		return nil, ErrReplace
	}
	for _, role := range missingFrom(was.Roles, p.Roles) {
		if _, err := h.c.RemoveRoleFromInstanceProfile(ctx, &iam.InstanceProfileRoleInput{InstanceProfileName: r.PhysicalID, RoleName: role}); ignoreMissing(err) != nil {
			return nil, err
		}
	}
	for _, role := range missingFrom(p.Roles, was.Roles) {
		if _, err := h.c.AddRoleToInstanceProfile(ctx, &iam.InstanceProfileRoleInput{InstanceProfileName: r.PhysicalID, RoleName: role}); err != nil {
			return nil, err
		}
	}
	return r.Attrs, nil
}

func (h iamInstanceProfile) Delete(ctx context.Context, r *Resource) error {
	out, err := h.c.GetInstanceProfile(ctx, &iam.InstanceProfileNameInput{InstanceProfileName: r.PhysicalID})
	if err != nil {
		return ignoreMissing(err)
	}
	for _, role := range out.InstanceProfile.Roles {
		if _, err := h.c.RemoveRoleFromInstanceProfile(ctx, &iam.InstanceProfileRoleInput{InstanceProfileName: r.PhysicalID, RoleName: role.RoleName}); ignoreMissing(err) != nil {
			return err
		}
	}
	_, err = h.c.DeleteInstanceProfile(ctx, &iam.InstanceProfileNameInput{InstanceProfileName: r.PhysicalID})
	return ignoreMissing(err)
}
