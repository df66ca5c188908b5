package stack

import (
	"context"
	"reflect"
	"slices"

	"github.com/portolan/portolan/internal/cognito"
)

// Cognito user pools' resources, created through the same operations the
// wire serves. Refs are AWS's: a pool's id, a client's id, a domain's
// prefix, a resource server's identifier, a group's name, a user's name.
// A pool's ProviderName and ProviderURL are both
// cognito-idp.<region>.amazonaws.com/<poolId>, without a scheme: a JWT
// authorizer's issuer is "https://" joined to it.

func cognitoHandlers(c *cognito.Control, region string) map[string]Handler {
	return map[string]Handler{
		"AWS::Cognito::UserPool":               cognitoPool{c, region},
		"AWS::Cognito::UserPoolClient":         cognitoClient{c},
		"AWS::Cognito::UserPoolDomain":         cognitoDomain{c},
		"AWS::Cognito::UserPoolResourceServer": cognitoResourceServer{c},
		"AWS::Cognito::UserPoolGroup":          cognitoGroup{c},
		"AWS::Cognito::UserPoolUser":           cognitoUser{c},
	}
}

// replacing reports whether a change of r's properties from old touches
// one its type replaces on (replacingProperties).
func replacing(r *Resource, old map[string]any) bool {
	if allReplaced[r.Type] {
		return true
	}
	return slices.ContainsFunc(replacingProperties[r.Type], func(p string) bool { return !reflect.DeepEqual(r.Props[p], old[p]) })
}

type cognitoPool struct {
	c      *cognito.Control
	region string
}

// poolProps are AWS::Cognito::UserPool's properties Portolan reads.
type poolProps struct {
	UserPoolName string
	cognito.CreateUserPoolInput
}

func (h cognitoPool) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p poolProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	in := p.CreateUserPoolInput
	in.PoolName = p.UserPoolName
	if in.PoolName == "" {
		in.PoolName = generatedName(r, 128)
	}
	out, err := h.c.CreateUserPool(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	id := out.UserPool.Id
	provider := "cognito-idp." + h.region + ".amazonaws.com/" + id
	return id, map[string]any{"Arn": out.UserPool.Arn, "ProviderName": provider, "ProviderURL": provider, "UserPoolId": id}, nil
}

func (h cognitoPool) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if replacing(r, old) {
		return nil, ErrReplace
	}
	var p poolProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	_, err := h.c.UpdateUserPool(ctx, &cognito.UpdateUserPoolInput{UserPoolId: r.PhysicalID, Policies: p.Policies,
		AutoVerifiedAttributes: p.AutoVerifiedAttributes, AdminCreateUserConfig: p.AdminCreateUserConfig, UserPoolTags: p.UserPoolTags,
		DeletionProtection: p.DeletionProtection})
	return r.Attrs, err
}

func (h cognitoPool) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteUserPool(ctx, &cognito.UserPoolIdInput{UserPoolId: r.PhysicalID})
	return ignoreNotFound(err)
}

type cognitoClient struct{ c *cognito.Control }

func (h cognitoClient) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cognito.UserPoolClientInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if in.ClientName == "" {
		in.ClientName = generatedName(r, 128)
	}
	out, err := h.c.CreateUserPoolClient(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	cl := out.UserPoolClient
	return cl.ClientId, map[string]any{"ClientId": cl.ClientId, "ClientSecret": cl.ClientSecret, "Name": cl.ClientName}, nil
}

func (h cognitoClient) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if replacing(r, old) {
		return nil, ErrReplace
	}
	var in cognito.UserPoolClientInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	in.ClientId = r.PhysicalID
	out, err := h.c.UpdateUserPoolClient(ctx, &in)
	if err != nil {
		return nil, err
	}
	cl := out.UserPoolClient
	return map[string]any{"ClientId": cl.ClientId, "ClientSecret": cl.ClientSecret, "Name": cl.ClientName}, nil
}

func (h cognitoClient) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteUserPoolClient(ctx, &cognito.ClientIdInput{UserPoolId: str(r.Props, "UserPoolId"), ClientId: r.PhysicalID})
	return ignoreNotFound(err)
}

type cognitoDomain struct{ c *cognito.Control }

func (h cognitoDomain) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cognito.CreateUserPoolDomainInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if _, err := h.c.CreateUserPoolDomain(ctx, &in); err != nil {
		return "", nil, err
	}
	d, err := h.c.DescribeUserPoolDomain(ctx, &cognito.DomainInput{Domain: in.Domain})
	if err != nil {
		return "", nil, err
	}
	return in.Domain, map[string]any{"CloudFrontDistribution": d.DomainDescription.CloudFrontDistribution}, nil
}

func (h cognitoDomain) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if replacing(r, old) {
		return nil, ErrReplace
	}
	return r.Attrs, nil
}

func (h cognitoDomain) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteUserPoolDomain(ctx, &cognito.DomainInput{Domain: r.PhysicalID, UserPoolId: str(r.Props, "UserPoolId")})
	return ignoreNotFound(err)
}

type cognitoResourceServer struct{ c *cognito.Control }

func (h cognitoResourceServer) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cognito.ResourceServerInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if _, err := h.c.CreateResourceServer(ctx, &in); err != nil {
		return "", nil, err
	}
	return in.Identifier, map[string]any{}, nil
}

func (h cognitoResourceServer) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if replacing(r, old) {
		return nil, ErrReplace
	}
	var in cognito.ResourceServerInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	_, err := h.c.UpdateResourceServer(ctx, &in)
	return r.Attrs, err
}

func (h cognitoResourceServer) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteResourceServer(ctx, &cognito.ResourceServerIdInput{UserPoolId: str(r.Props, "UserPoolId"), Identifier: r.PhysicalID})
	return ignoreNotFound(err)
}

// cognitoGroup: every property change replaces the group (there is no
// UpdateGroup here).
type cognitoGroup struct{ c *cognito.Control }

func (h cognitoGroup) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cognito.GroupInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if in.GroupName == "" {
		in.GroupName = generatedName(r, 128)
	}
	if _, err := h.c.CreateGroup(ctx, &in); err != nil {
		return "", nil, err
	}
	return in.GroupName, map[string]any{}, nil
}

func (h cognitoGroup) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h cognitoGroup) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteGroup(ctx, &cognito.GroupIdInput{UserPoolId: str(r.Props, "UserPoolId"), GroupName: r.PhysicalID})
	return ignoreNotFound(err)
}

// cognitoUser is created as AdminCreateUser does, without an invitation:
// like on AWS, the user has no password until an administrator sets one.
type cognitoUser struct{ c *cognito.Control }

func (h cognitoUser) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cognito.AdminCreateUserInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.MessageAction = "SUPPRESS"
	if in.Username == "" {
		in.Username = generatedName(r, 128)
	}
	out, err := h.c.AdminCreateUser(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return out.User.Username, map[string]any{}, nil
}

func (h cognitoUser) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h cognitoUser) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.AdminDeleteUser(ctx, &cognito.UserInput{UserPoolId: str(r.Props, "UserPoolId"), Username: r.PhysicalID})
	return ignoreNotFound(err)
}
