package cognito

import (
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// TargetPrefix is Cognito user pools' X-Amz-Target prefix.
const TargetPrefix = "AWSCognitoIdentityProviderService"

// Register serves every operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewJSONService(TargetPrefix, "message")
	s.Handle("CreateUserPool", awsapi.Op(c.CreateUserPool))
	s.Handle("DescribeUserPool", awsapi.Op(c.DescribeUserPool))
	s.Handle("UpdateUserPool", awsapi.Op(c.UpdateUserPool))
	s.Handle("DeleteUserPool", awsapi.Op(c.DeleteUserPool))
	s.Handle("ListUserPools", awsapi.Op(c.ListUserPools))
	s.Handle("GetUserPoolMfaConfig", awsapi.Op(c.GetUserPoolMfaConfig))
	s.Handle("SetUserPoolMfaConfig", awsapi.Op(c.SetUserPoolMfaConfig))
	s.Handle("TagResource", awsapi.Op(c.TagResource))
	s.Handle("UntagResource", awsapi.Op(c.UntagResource))
	s.Handle("ListTagsForResource", awsapi.Op(c.ListTagsForResource))
	s.Handle("CreateUserPoolClient", awsapi.Op(c.CreateUserPoolClient))
	s.Handle("DescribeUserPoolClient", awsapi.Op(c.DescribeUserPoolClient))
	s.Handle("UpdateUserPoolClient", awsapi.Op(c.UpdateUserPoolClient))
	s.Handle("DeleteUserPoolClient", awsapi.Op(c.DeleteUserPoolClient))
	s.Handle("ListUserPoolClients", awsapi.Op(c.ListUserPoolClients))
	s.Handle("CreateResourceServer", awsapi.Op(c.CreateResourceServer))
	s.Handle("UpdateResourceServer", awsapi.Op(c.UpdateResourceServer))
	s.Handle("DescribeResourceServer", awsapi.Op(c.DescribeResourceServer))
	s.Handle("DeleteResourceServer", awsapi.Op(c.DeleteResourceServer))
	s.Handle("ListResourceServers", awsapi.Op(c.ListResourceServers))
	s.Handle("CreateUserPoolDomain", awsapi.Op(c.CreateUserPoolDomain))
	s.Handle("DescribeUserPoolDomain", awsapi.Op(c.DescribeUserPoolDomain))
	s.Handle("DeleteUserPoolDomain", awsapi.Op(c.DeleteUserPoolDomain))
	s.Handle("CreateGroup", awsapi.Op(c.CreateGroup))
	s.Handle("GetGroup", awsapi.Op(c.GetGroup))
	s.Handle("DeleteGroup", awsapi.Op(c.DeleteGroup))
	s.Handle("ListGroups", awsapi.Op(c.ListGroups))
	s.Handle("AdminAddUserToGroup", awsapi.Op(c.AdminAddUserToGroup))
	s.Handle("AdminRemoveUserFromGroup", awsapi.Op(c.AdminRemoveUserFromGroup))
	s.Handle("AdminListGroupsForUser", awsapi.Op(c.AdminListGroupsForUser))
	s.Handle("AdminCreateUser", awsapi.Op(c.AdminCreateUser))
	s.Handle("AdminSetUserPassword", awsapi.Op(c.AdminSetUserPassword))
	s.Handle("AdminGetUser", awsapi.Op(c.AdminGetUser))
	s.Handle("AdminDeleteUser", awsapi.Op(c.AdminDeleteUser))
	s.Handle("AdminDisableUser", awsapi.Op(c.AdminDisableUser))
	s.Handle("AdminEnableUser", awsapi.Op(c.AdminEnableUser))
	s.Handle("AdminConfirmSignUp", awsapi.Op(c.AdminConfirmSignUp))
	s.Handle("AdminInitiateAuth", awsapi.Op(c.AdminInitiateAuth))
	s.Handle("AdminRespondToAuthChallenge", awsapi.Op(c.RespondToAuthChallenge))
	s.Handle("AdminUserGlobalSignOut", awsapi.Op(c.AdminUserGlobalSignOut))
	s.Handle("ListUsers", awsapi.Op(c.ListUsers))
	for op, h := range c.publicOps() {
		s.Handle(op, h)
	}
	mux.AddJSON(s)
}

// publicOps are the operations a client calls without AWS credentials, as
// AWS serves them: the SDKs and the CLI send them unsigned.
func (c *Control) publicOps() map[string]awsapi.Handler {
	return map[string]awsapi.Handler{
		"SignUp":                 awsapi.Op(c.SignUp),
		"ConfirmSignUp":          awsapi.Op(c.ConfirmSignUp),
		"InitiateAuth":           awsapi.Op(c.InitiateAuth),
		"RespondToAuthChallenge": awsapi.Op(c.RespondToAuthChallenge),
		"GetUser":                awsapi.Op(c.GetUser),
		"GlobalSignOut":          awsapi.Op(c.GlobalSignOut),
		"RevokeToken":            awsapi.Op(c.RevokeToken),
	}
}

// Unsigned reports whether an X-Amz-Target names an operation that needs
// no AWS credentials: a server that verifies SigV4 lets these through,
// whatever the region (so it asks before knowing which pool's Control).
func Unsigned(target string) bool {
	prefix, op, ok := strings.Cut(target, ".")
	return ok && prefix == TargetPrefix && unsignedOps[op]
}

// unsignedOps names publicOps' operations.
var unsignedOps = func() map[string]bool {
	names := map[string]bool{}
	for op := range (&Control{}).publicOps() {
		names[op] = true
	}
	return names
}()
