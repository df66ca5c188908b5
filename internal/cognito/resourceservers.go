package cognito

import (
	"context"
	"regexp"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// ResourceServerInput is CreateResourceServer's and UpdateResourceServer's
// request.
type ResourceServerInput struct {
	UserPoolId string
	Identifier string
	Name       string
	Scopes     []ResourceServerScopeType
}

// ResourceServerOutput wraps a resource server.
type ResourceServerOutput struct {
	ResourceServer *ResourceServerType
}

var (
	identifierPattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	scopeNamePattern  = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$`)
)

func (in *ResourceServerInput) check() error {
	switch {
	case in.Identifier == "":
		return required("identifier")
	case in.Name == "":
		return required("name")
	case len(in.Identifier) > 256 || !identifierPattern.MatchString(in.Identifier):
		return invalidParameter("1 validation error detected: Value '%s' at 'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x5B\\x5D-\\x7E]+", in.Identifier)
	case len(in.Scopes) > 100:
		return ErrLimitExceeded.Newf("A resource server can have at most 100 scopes.")
	}
	for _, s := range in.Scopes {
		if s.ScopeName == "" || len(s.ScopeName) > 256 || !scopeNamePattern.MatchString(s.ScopeName) {
			return invalidParameter("1 validation error detected: Value '%s' at 'scopes.member.scopeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+", s.ScopeName)
		}
		if s.ScopeDescription == "" {
			return required("scopes.member.scopeDescription")
		}
	}
	return nil
}

// CreateResourceServer declares a resource server and its scopes.
func (c *Control) CreateResourceServer(ctx context.Context, in *ResourceServerInput) (*ResourceServerOutput, error) {
	return c.putResourceServer(ctx, in, true)
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (c *Control) UpdateResourceServer(ctx context.Context, in *ResourceServerInput) (*ResourceServerOutput, error) {
	return c.putResourceServer(ctx, in, false)
}

func (c *Control) putResourceServer(ctx context.Context, in *ResourceServerInput, create bool) (*ResourceServerOutput, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	rs := &ResourceServerType{UserPoolId: in.UserPoolId, Identifier: in.Identifier, Name: in.Name, Scopes: nonNil(in.Scopes)}
	err := c.commit(ctx, func() (store.Txn, error) {
		_, pkv, err := c.pool(ctx, in.UserPoolId)
		if err != nil {
			return store.Txn{}, err
		}
		kv, err := c.st.Get(ctx, rsKey(in.UserPoolId, in.Identifier))
		switch {
		case err == nil && create:
			return store.Txn{}, invalidParameter("%s already exists in pool %s.", in.Identifier, in.UserPoolId)
		case err != nil && !create:
			return store.Txn{}, ErrResourceNotFound.Newf("Resource server %s does not exist.", in.Identifier)
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(pkv), {Key: rsKey(in.UserPoolId, in.Identifier), ModRevision: kv.ModRevision}},
			Then: []store.Op{store.Put(rsKey(in.UserPoolId, in.Identifier), store.JSON(rs))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ResourceServerOutput{ResourceServer: rs}, nil
}

// ResourceServerIdInput names a resource server.
type ResourceServerIdInput struct {
	UserPoolId string
	Identifier string
}

// DescribeResourceServer returns a resource server.
func (c *Control) DescribeResourceServer(ctx context.Context, in *ResourceServerIdInput) (*ResourceServerOutput, error) {
	if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	rs, _, err := store.GetJSON[ResourceServerType](ctx, c.st, rsKey(in.UserPoolId, in.Identifier))
	if err != nil {
		return nil, ErrResourceNotFound.Newf("Resource server %s does not exist.", in.Identifier)
	}
	return &ResourceServerOutput{ResourceServer: rs}, nil
}

// DeleteResourceServer deletes a resource server; clients keep naming
// its scopes, which no token gets any more.
func (c *Control) DeleteResourceServer(ctx context.Context, in *ResourceServerIdInput) (*struct{}, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		if _, _, err := c.pool(ctx, in.UserPoolId); err != nil {
			return store.Txn{}, err
		}
		kv, err := c.st.Get(ctx, rsKey(in.UserPoolId, in.Identifier))
		if err != nil {
			return store.Txn{}, ErrResourceNotFound.Newf("Resource server %s does not exist.", in.Identifier)
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(kv.Key)}}, nil
	})
	return &struct{}{}, err
}

// ListResourceServersInput pages a pool's resource servers.
type ListResourceServersInput struct {
	UserPoolId string
	MaxResults *int
	NextToken  string
}

// ListResourceServersOutput is a page of resource servers.
type ListResourceServersOutput struct {
	ResourceServers []*ResourceServerType
	NextToken       string `json:",omitempty"`
}

// ListResourceServers lists a pool's resource servers by identifier.
func (c *Control) ListResourceServers(ctx context.Context, in *ListResourceServersInput) (*ListResourceServersOutput, error) {
	if in.MaxResults == nil {
		return nil, required("maxResults")
	}
	all, err := c.resourceServers(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	page, next, err := awsapi.Paginate(pager, all, func(r *ResourceServerType) string { return r.Identifier }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListResourceServersOutput{ResourceServers: nonNil(page), NextToken: next}, nil
}

func (c *Control) resourceServers(ctx context.Context, poolID string) ([]*ResourceServerType, error) {
	if _, _, err := c.pool(ctx, poolID); err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, rsPrefix(poolID))
	if err != nil {
		return nil, err
	}
	var out []*ResourceServerType
	for _, kv := range kvs {
		if rs := store.DecodeJSON[ResourceServerType](kv.Value); rs != nil {
			out = append(out, rs)
		}
	}
	return out, nil
}

// poolScopes is every "<identifier>/<scope>" of a pool's resource servers.
func (c *Control) poolScopes(ctx context.Context, poolID string) ([]string, error) {
	servers, err := c.resourceServers(ctx, poolID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rs := range servers {
		for _, s := range rs.Scopes {
			out = append(out, rs.Identifier+"/"+s.ScopeName)
		}
	}
	return out, nil
}
