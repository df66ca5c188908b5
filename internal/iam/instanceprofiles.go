package iam

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/portolan/portolan/internal/store"
)

type CreateInstanceProfileInput struct {
	InstanceProfileName string
	Path                string
	Tags                []Tag
}

type InstanceProfileOutput struct{ InstanceProfile *InstanceProfile }

// CreateInstanceProfile creates an empty instance profile.
func (c *Control) CreateInstanceProfile(ctx context.Context, in *CreateInstanceProfileInput) (*InstanceProfileOutput, error) {
	if err := checkName("instanceProfileName", in.InstanceProfileName, 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	rec := &instanceProfileRecord{InstanceProfile: InstanceProfile{Path: path, InstanceProfileName: in.InstanceProfileName,
		InstanceProfileId: newID("AIPA"), Arn: c.arn("instance-profile" + path + in.InstanceProfileName),
		CreateDate: time.Now().UTC().Truncate(time.Second), Tags: in.Tags}}
	key := instanceProfileKey(in.InstanceProfileName)
	err = c.commit(ctx, func() (store.Txn, error) {
		if err := c.absent(ctx, key, ErrEntityAlreadyExists.Newf("Instance Profile %s already exists.", in.InstanceProfileName)); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Absent(key)}, Then: []store.Op{store.Put(key, store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &InstanceProfileOutput{InstanceProfile: c.wireProfile(ctx, rec)}, nil
}

// wireProfile is a profile with its roles read fresh.
func (c *Control) wireProfile(ctx context.Context, rec *instanceProfileRecord) *InstanceProfile {
	p := rec.InstanceProfile
	p.Roles = []*Role{}
	for _, name := range rec.RoleNames {
		if role, _, err := c.role(ctx, name); err == nil {
			p.Roles = append(p.Roles, role.wire())
		}
	}
	return &p
}

func (c *Control) instanceProfile(ctx context.Context, name string) (*instanceProfileRecord, store.KV, error) {
	if name == "" {
		return nil, store.KV{}, missing("instanceProfileName")
	}
	rec, kv, err := store.GetJSON[instanceProfileRecord](ctx, c.st, instanceProfileKey(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, instanceProfileNotFound(name)
	}
	return rec, kv, err
}

type InstanceProfileNameInput struct{ InstanceProfileName string }

// GetInstanceProfile returns a profile with its role.
func (c *Control) GetInstanceProfile(ctx context.Context, in *InstanceProfileNameInput) (*InstanceProfileOutput, error) {
	rec, _, err := c.instanceProfile(ctx, in.InstanceProfileName)
	if err != nil {
		return nil, err
	}
	return &InstanceProfileOutput{InstanceProfile: c.wireProfile(ctx, rec)}, nil
}

// DeleteInstanceProfile deletes a profile that holds no role.
func (c *Control) DeleteInstanceProfile(ctx context.Context, in *InstanceProfileNameInput) (*Empty, error) {
	return &Empty{}, c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.instanceProfile(ctx, in.InstanceProfileName)
		if err != nil {
			return store.Txn{}, err
		}
		if len(rec.RoleNames) > 0 {
			return store.Txn{}, ErrDeleteConflict.Newf("Cannot delete entity, must remove roles from instance profile first.")
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
}

type InstanceProfileRoleInput struct {
	InstanceProfileName string
	RoleName            string
}

// AddRoleToInstanceProfile puts a role in a profile (a profile holds one).
func (c *Control) AddRoleToInstanceProfile(ctx context.Context, in *InstanceProfileRoleInput) (*Empty, error) {
	return &Empty{}, c.changeProfileRoles(ctx, in, func(rec *instanceProfileRecord, role *Role) error {
		if len(rec.RoleNames) > 0 {
			return ErrLimitExceeded.Newf("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		rec.RoleNames = []string{role.RoleName}
		return nil
	})
}

// RemoveRoleFromInstanceProfile takes a role out of a profile.
func (c *Control) RemoveRoleFromInstanceProfile(ctx context.Context, in *InstanceProfileRoleInput) (*Empty, error) {
	return &Empty{}, c.changeProfileRoles(ctx, in, func(rec *instanceProfileRecord, role *Role) error {
		i := slices.IndexFunc(rec.RoleNames, func(n string) bool { return lower(n) == lower(role.RoleName) })
		if i < 0 {
			return ErrNoSuchEntity.Newf("The role with name %s cannot be found in instance profile %s.", in.RoleName, in.InstanceProfileName)
		}
		rec.RoleNames = slices.Delete(rec.RoleNames, i, i+1)
		return nil
	})
}

// changeProfileRoles rewrites a profile and its role together (DeleteRole
// compares against the role's record).
func (c *Control) changeProfileRoles(ctx context.Context, in *InstanceProfileRoleInput, change func(*instanceProfileRecord, *Role) error) error {
	return c.changeRolePolicies(ctx, in.RoleName, func(role *Role) ([]store.Op, error) {
		rec, kv, err := c.instanceProfile(ctx, in.InstanceProfileName)
		if err != nil {
			return nil, err
		}
		if err := change(rec, role); err != nil {
			return nil, err
		}
		return []store.Op{store.Put(kv.Key, store.JSON(rec))}, nil
	})
}

// profilesOf is the profiles a role is in.
func (c *Control) profilesOf(ctx context.Context, role string) ([]*instanceProfileRecord, error) {
	kvs, _, err := c.st.List(ctx, instanceProfilePrefix)
	if err != nil {
		return nil, err
	}
	var out []*instanceProfileRecord
	for _, kv := range kvs {
		rec := store.DecodeJSON[instanceProfileRecord](kv.Value)
		if rec != nil && slices.ContainsFunc(rec.RoleNames, func(n string) bool { return lower(n) == lower(role) }) {
			out = append(out, rec)
		}
	}
	return out, nil
}

type ListInstanceProfilesForRoleInput struct {
	RoleName string
	Paging
}

type ListInstanceProfilesOutput struct {
	InstanceProfiles []*InstanceProfile
	Page
}

// ListInstanceProfilesForRole lists the profiles a role is in.
func (c *Control) ListInstanceProfilesForRole(ctx context.Context, in *ListInstanceProfilesForRoleInput) (*ListInstanceProfilesOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	recs, err := c.profilesOf(ctx, role.RoleName)
	if err != nil {
		return nil, err
	}
	profiles := []*InstanceProfile{}
	for _, rec := range recs {
		profiles = append(profiles, c.wireProfile(ctx, rec))
	}
	sort.Slice(profiles, func(i, j int) bool { return profiles[i].InstanceProfileName < profiles[j].InstanceProfileName })
	page, p, err := paginate(profiles, func(p *InstanceProfile) string { return p.InstanceProfileName }, in.Paging)
	if err != nil {
		return nil, err
	}
	return &ListInstanceProfilesOutput{InstanceProfiles: page, Page: p}, nil
}
