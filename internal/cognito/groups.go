package cognito

import (
	"context"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// GroupInput is CreateGroup's and UpdateGroup's request.
type GroupInput struct {
	GroupName   string
	UserPoolId  string
	Description string
	RoleArn     string
	Precedence  *int
}

// GroupOutput wraps a group.
type GroupOutput struct {
	Group *GroupType
}

// CreateGroup creates a group; its members' tokens carry its name in
// cognito:groups.
func (c *Control) CreateGroup(ctx context.Context, in *GroupInput) (*GroupOutput, error) {
	if in.GroupName == "" {
		return nil, required("groupName")
	}
	if len(in.GroupName) > 128 {
		return nil, invalidParameter("1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	now := c.stamp()
	g := &GroupType{GroupName: in.GroupName, UserPoolId: in.UserPoolId, Description: in.Description, RoleArn: in.RoleArn, Precedence: in.Precedence,
		CreationDate: now, LastModifiedDate: now}
	err := c.commit(ctx, func() (store.Txn, error) {
		_, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		if _, err := c.st.Get(ctx, groupKey(in.UserPoolId, in.GroupName)); err == nil {
			return store.Txn{}, ErrGroupExists.Newf("A group with the name %s already exists.", in.GroupName)
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(pkv), store.Absent(groupKey(in.UserPoolId, in.GroupName))},
			Then: []store.Op{store.Put(groupKey(in.UserPoolId, in.GroupName), store.JSON(g))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &GroupOutput{Group: g}, nil
}

// GroupIdInput names a group.
type GroupIdInput struct {
	GroupName  string
	UserPoolId string
}

func (c *Control) group(ctx context.Context, poolID, name string) (*GroupType, store.KV, error) {
	if _, _, err := c.pool(ctx, poolID); err != nil {
		return nil, store.KV{}, err
	}
	g, kv, err := store.GetJSON[GroupType](ctx, c.st, groupKey(poolID, name))
	if err != nil {
		return nil, kv, ErrResourceNotFound.Newf("Group not found.")
	}
	return g, kv, nil
}

// GetGroup returns a group.
func (c *Control) GetGroup(ctx context.Context, in *GroupIdInput) (*GroupOutput, error) {
	g, _, err := c.group(ctx, in.UserPoolId, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &GroupOutput{Group: g}, nil
}

// DeleteGroup deletes a group and takes its members out of it.
func (c *Control) DeleteGroup(ctx context.Context, in *GroupIdInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.group(ctx, in.UserPoolId, in.GroupName)
		if err != nil {
			return store.Txn{}, err
		}
		ops := []store.Op{store.Delete(kv.Key)}
		cmps := []store.Cmp{store.Unchanged(kv)}
		users, _, err := c.st.List(ctx, userPrefix(in.UserPoolId))
		if err != nil {
			return store.Txn{}, err
		}
		for _, ukv := range users {
			u := store.DecodeJSON[userRecord](ukv.Value)
			if u == nil || !slices.Contains(u.Groups, in.GroupName) {
				continue
			}
			u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == in.GroupName })
			ops = append(ops, store.Put(ukv.Key, store.JSON(u)))
			cmps = append(cmps, store.Unchanged(ukv))
		}
		return store.Txn{If: cmps, Then: ops}, nil
	})
	return &struct{}{}, err
}

// ListGroupsInput pages a pool's groups.
type ListGroupsInput struct {
	UserPoolId string
	Limit      *int
	NextToken  string
}

// ListGroupsOutput is a page of groups.
type ListGroupsOutput struct {
	Groups    []*GroupType
	NextToken string `json:",omitempty"`
}

// ListGroups lists a pool's groups by name.
func (c *Control) ListGroups(ctx context.Context, in *ListGroupsInput) (*ListGroupsOutput, error) {
	if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, groupPrefix(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	var all []*GroupType
	for _, kv := range kvs {
		if g := store.DecodeJSON[GroupType](kv.Value); g != nil {
			all = append(all, g)
		}
	}
	page, next, err := awsapi.Paginate(pager, all, func(g *GroupType) string { return g.GroupName }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListGroupsOutput{Groups: nonNil(page), NextToken: next}, nil
}

// UserGroupInput names a user and a group.
type UserGroupInput struct {
	UserPoolId string
	Username   string
	GroupName  string
}

// AdminAddUserToGroup adds a user to a group: tokens issued from now on
// carry it in cognito:groups.
func (c *Control) AdminAddUserToGroup(ctx context.Context, in *UserGroupInput) (*struct{}, error) {
	return c.changeMembership(ctx, in, true)
}

// AdminRemoveUserFromGroup takes a user out of a group.
func (c *Control) AdminRemoveUserFromGroup(ctx context.Context, in *UserGroupInput) (*struct{}, error) {
	return c.changeMembership(ctx, in, false)
}

func (c *Control) changeMembership(ctx context.Context, in *UserGroupInput, add bool) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		_, gkv, err := c.group(ctx, in.UserPoolId, in.GroupName)
		if err != nil {
			return store.Txn{}, err
		}
		_, u, ukv, err := c.mustUser(ctx, in.UserPoolId, in.Username)
		if err != nil {
			return store.Txn{}, err
		}
		has := slices.Contains(u.Groups, in.GroupName)
		switch {
		case add && !has:
			u.Groups = append(u.Groups, in.GroupName)
		case !add && has:
			u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == in.GroupName })
		default:
			return store.Txn{}, nil
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(gkv), store.Unchanged(ukv)}, Then: []store.Op{store.Put(ukv.Key, store.JSON(u))}}, nil
	})
	return &struct{}{}, err
}

// AdminListGroupsForUserInput pages a user's groups.
type AdminListGroupsForUserInput struct {
	UserPoolId string
	Username   string
	Limit      *int
	NextToken  string
}

// AdminListGroupsForUser lists the groups a user is in.
func (c *Control) AdminListGroupsForUser(ctx context.Context, in *AdminListGroupsForUserInput) (*ListGroupsOutput, error) {
	_, u, _, err := c.mustUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	var all []*GroupType
	for _, name := range u.Groups {
		if g, _, err := c.group(ctx, in.UserPoolId, name); err == nil {
			all = append(all, g)
		}
	}
	slices.SortFunc(all, func(a, b *GroupType) int { return strings.Compare(a.GroupName, b.GroupName) })
	page, next, err := awsapi.Paginate(pager, all, func(g *GroupType) string { return g.GroupName }, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListGroupsOutput{Groups: nonNil(page), NextToken: next}, nil
}
