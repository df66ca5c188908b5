package iam

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/restapi/policy"
	"github.com/portolan/portolan/internal/store"
)

// Session durations a role allows, in seconds (MaxSessionDuration).
const (
	defaultMaxSession = 3600
	maxMaxSession     = 43200
)

type CreateRoleInput struct {
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       *int
	PermissionsBoundary      string
	Tags                     []Tag
}

type RoleOutput struct{ Role *Role }

// CreateRole creates a role with its trust policy.
func (c *Control) CreateRole(ctx context.Context, in *CreateRoleInput) (*RoleOutput, error) {
	if err := checkName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkDocument("assumeRolePolicyDocument", in.AssumeRolePolicyDocument, policy.TrustPolicy); err != nil {
		return nil, err
	}
	if err := checkQuota(in.AssumeRolePolicyDocument, "ACLSizePerRole", maxTrustPolicy); err != nil {
		return nil, err
	}
	maxSession, err := checkMaxSession(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	role := &Role{Path: path, RoleName: in.RoleName, RoleId: newID("AROA"), Arn: c.arn("role" + path + in.RoleName),
		CreateDate: time.Now().UTC().Truncate(time.Second), AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
		Description: in.Description, MaxSessionDuration: maxSession, Tags: in.Tags}
	if in.PermissionsBoundary != "" {
		role.PermissionsBoundary = &AttachedPermissionsBoundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: in.PermissionsBoundary}
	}
	err = c.commit(ctx, func() (store.Txn, error) {
		if err := c.absent(ctx, roleKey(in.RoleName), ErrEntityAlreadyExists.Newf("Role with name %s already exists.", in.RoleName)); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(roleKey(in.RoleName))}, Then: []store.Op{store.Put(roleKey(in.RoleName), store.JSON(role))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &RoleOutput{Role: role.wire()}, nil
}

func checkMaxSession(d *int) (int, error) {
	if d == nil {
		return defaultMaxSession, nil
	}
	if *d < defaultMaxSession || *d > maxMaxSession {
		return 0, ErrValidation.Newf("The requested MaxSessionDuration %d exceeds the limit; it must be between %d and %d seconds.", *d, defaultMaxSession, maxMaxSession)
	}
	return *d, nil
}

type RoleNameInput struct{ RoleName string }

// GetRole returns a role.
func (c *Control) GetRole(ctx context.Context, in *RoleNameInput) (*RoleOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &RoleOutput{Role: role.wire()}, nil
}

// role reads a role record by name.
func (c *Control) role(ctx context.Context, name string) (*Role, store.KV, error) {
	if name == "" {
		return nil, store.KV{}, missing("roleName")
	}
	role, kv, err := store.GetJSON[Role](ctx, c.st, roleKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, roleNotFound(name)
	}
	return role, kv, err
}

// RoleByARN is the role an ARN names (STS's AssumeRole reads it), or a
// NoSuchEntity error.
func (c *Control) RoleByARN(ctx context.Context, arn string) (*Role, error) {
	a, ok := awsapi.ParseARN(arn)
	typ, rest, _ := a.Typed()
	if !ok || a.Service != "iam" || a.Account != c.cfg.AccountID || typ != "role" {
		return nil, ErrNoSuchEntity.Newf("The role %s cannot be found.", arn)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	role, _, err := c.role(ctx, name)
	if err != nil {
		return nil, err
	}
	if role.Arn != arn {
		return nil, roleNotFound(name)
	}
	return role, nil
}

// updateRole rewrites a role record with change applied.
func (c *Control) updateRole(ctx context.Context, name string, change func(*Role) error) error {
	return c.commit(ctx, func() (store.Txn, error) {
		role, kv, err := c.role(ctx, name)
		if err != nil {
			return store.Txn{}, err
		}
		if err := change(role); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(role))}}, nil
	})
}

type UpdateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration *int
}

type Empty struct{}

// UpdateRole changes a role's description and maximum session duration.
func (c *Control) UpdateRole(ctx context.Context, in *UpdateRoleInput) (*Empty, error) {
	if in.MaxSessionDuration != nil {
		if _, err := checkMaxSession(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return nil
	})
}

type UpdateRoleDescriptionInput struct {
	RoleName    string
	Description string
}

// UpdateRoleDescription changes a role's description and returns the role.
func (c *Control) UpdateRoleDescription(ctx context.Context, in *UpdateRoleDescriptionInput) (*RoleOutput, error) {
	if err := c.updateRole(ctx, in.RoleName, func(r *Role) error { r.Description = in.Description; return nil }); err != nil {
		return nil, err
	}
	return c.GetRole(ctx, &RoleNameInput{RoleName: in.RoleName})
}

type UpdateAssumeRolePolicyInput struct {
	RoleName       string
	PolicyDocument string
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (c *Control) UpdateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyInput) (*Empty, error) {
	if err := checkDocument("policyDocument", in.PolicyDocument, policy.TrustPolicy); err != nil {
		return nil, err
	}
	if err := checkQuota(in.PolicyDocument, "ACLSizePerRole", maxTrustPolicy); err != nil {
		return nil, err
	}
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error { r.AssumeRolePolicyDocument = in.PolicyDocument; return nil })
}

type PutRolePermissionsBoundaryInput struct {
	RoleName            string
	PermissionsBoundary string
}

// PutRolePermissionsBoundary sets a role's permissions boundary (stored only).
func (c *Control) PutRolePermissionsBoundary(ctx context.Context, in *PutRolePermissionsBoundaryInput) (*Empty, error) {
	if in.PermissionsBoundary == "" {
		return nil, missing("permissionsBoundary")
	}
	if _, err := c.managedPolicy(ctx, in.PermissionsBoundary); err != nil {
		return nil, err
	}
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.PermissionsBoundary = &AttachedPermissionsBoundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: in.PermissionsBoundary}
		return nil
	})
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (c *Control) DeleteRolePermissionsBoundary(ctx context.Context, in *RoleNameInput) (*Empty, error) {
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error { r.PermissionsBoundary = nil; return nil })
}

// DeleteRole deletes a role that no policy is attached to, that has no
// inline policy and that is in no instance profile (DeleteConflict).
func (c *Control) DeleteRole(ctx context.Context, in *RoleNameInput) (*Empty, error) {
	return &Empty{}, c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.role(ctx, in.RoleName)
		if err != nil {
			return store.Txn{}, err
		}
		if err := c.checkRoleUnused(ctx, in.RoleName); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}

func (c *Control) checkRoleUnused(ctx context.Context, name string) error {
	if kvs, _, err := c.st.List(ctx, rolePoliciesOf(name)); err != nil || len(kvs) > 0 {
		return cmpErr(err, ErrDeleteConflict.Newf("Cannot delete entity, must delete policies first."))
	}
	if kvs, _, err := c.st.List(ctx, attachmentsOf(name)); err != nil || len(kvs) > 0 {
		return cmpErr(err, ErrDeleteConflict.Newf("Cannot delete entity, must detach all policies first."))
	}
	profiles, err := c.profilesOf(ctx, name)
	if err != nil || len(profiles) > 0 {
		return cmpErr(err, ErrDeleteConflict.Newf("Cannot delete entity, must remove roles from instance profile first."))
	}
	return nil
}

// cmpErr is err if there is one, else conflict.
func cmpErr(err error, conflict error) error {
	if err != nil {
		return err
	}
	return conflict
}

type ListRolesInput struct {
	Paging
	PathPrefix string
}

type ListRolesOutput struct {
	Roles []*Role
	Page
}

// ListRoles lists roles by name, optionally under a path prefix.
func (c *Control) ListRoles(ctx context.Context, in *ListRolesInput) (*ListRolesOutput, error) {
	kvs, _, err := c.st.List(ctx, rolePrefix)
	if err != nil {
		return nil, err
	}
	roles := []*Role{}
	for _, kv := range kvs {
		r := store.DecodeJSON[Role](kv.Value)
		if r != nil && strings.HasPrefix(r.Path, in.PathPrefix) {
			w := r.wire()
			w.RoleLastUsed = nil // ListRoles leaves it out, as IAM does
			roles = append(roles, w)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return lower(roles[i].RoleName) < lower(roles[j].RoleName) })
	page, p, err := paginate(roles, func(r *Role) string { return lower(r.RoleName) }, in.Paging)
	if err != nil {
		return nil, err
	}
	return &ListRolesOutput{Roles: page, Page: p}, nil
}

type TagRoleInput struct {
	RoleName string
	Tags     []Tag
}

// TagRole adds or replaces tags on a role.
func (c *Control) TagRole(ctx context.Context, in *TagRoleInput) (*Empty, error) {
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.Tags = awsapi.MergeTags(r.Tags, in.Tags, tagKey)
		return checkTags(r.Tags)
	})
}

type UntagRoleInput struct {
	RoleName string
	TagKeys  []string
}

// UntagRole removes tags from a role.
func (c *Control) UntagRole(ctx context.Context, in *UntagRoleInput) (*Empty, error) {
	return &Empty{}, c.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.Tags = awsapi.RemoveTags(r.Tags, in.TagKeys, tagKey)
		return nil
	})
}

type ListRoleTagsInput struct {
	RoleName string
	Paging
}

type ListTagsOutput struct {
	Tags []Tag
	Page
}

// ListRoleTags lists a role's tags.
func (c *Control) ListRoleTags(ctx context.Context, in *ListRoleTagsInput) (*ListTagsOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &ListTagsOutput{Tags: append([]Tag{}, role.Tags...)}, nil
}
