package iam

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2010-05-08).
const Version = "2010-05-08"

// Namespace is the xmlns of every answer.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// Register serves every IAM operation Portolan has on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewQueryService(Version, Namespace)
	// Roles (roles.go)
	s.Handle("CreateRole", awsapi.QueryOp(c.CreateRole))
	s.Handle("GetRole", awsapi.QueryOp(c.GetRole))
	s.Handle("UpdateRole", awsapi.QueryOp(c.UpdateRole))
	s.Handle("UpdateRoleDescription", awsapi.QueryOp(c.UpdateRoleDescription))
	s.Handle("UpdateAssumeRolePolicy", awsapi.QueryOp(c.UpdateAssumeRolePolicy))
	s.Handle("PutRolePermissionsBoundary", awsapi.QueryOp(c.PutRolePermissionsBoundary))
	s.Handle("DeleteRolePermissionsBoundary", awsapi.QueryOp(c.DeleteRolePermissionsBoundary))
	s.Handle("DeleteRole", awsapi.QueryOp(c.DeleteRole))
	s.Handle("ListRoles", awsapi.QueryOp(c.ListRoles))
	s.Handle("TagRole", awsapi.QueryOp(c.TagRole))
	s.Handle("UntagRole", awsapi.QueryOp(c.UntagRole))
	s.Handle("ListRoleTags", awsapi.QueryOp(c.ListRoleTags))
	// Inline role policies (rolepolicies.go)
	s.Handle("PutRolePolicy", awsapi.QueryOp(c.PutRolePolicy))
	s.Handle("GetRolePolicy", awsapi.QueryOp(c.GetRolePolicy))
	s.Handle("DeleteRolePolicy", awsapi.QueryOp(c.DeleteRolePolicy))
	s.Handle("ListRolePolicies", awsapi.QueryOp(c.ListRolePolicies))
	// Managed policies (policies.go, policyversions.go)
	s.Handle("CreatePolicy", awsapi.QueryOp(c.CreatePolicy))
	s.Handle("GetPolicy", awsapi.QueryOp(c.GetPolicy))
	s.Handle("DeletePolicy", awsapi.QueryOp(c.DeletePolicy))
	s.Handle("ListPolicies", awsapi.QueryOp(c.ListPolicies))
	s.Handle("TagPolicy", awsapi.QueryOp(c.TagPolicy))
	s.Handle("UntagPolicy", awsapi.QueryOp(c.UntagPolicy))
	s.Handle("ListPolicyTags", awsapi.QueryOp(c.ListPolicyTags))
	s.Handle("CreatePolicyVersion", awsapi.QueryOp(c.CreatePolicyVersion))
	s.Handle("GetPolicyVersion", awsapi.QueryOp(c.GetPolicyVersion))
	s.Handle("ListPolicyVersions", awsapi.QueryOp(c.ListPolicyVersions))
	s.Handle("DeletePolicyVersion", awsapi.QueryOp(c.DeletePolicyVersion))
	s.Handle("SetDefaultPolicyVersion", awsapi.QueryOp(c.SetDefaultPolicyVersion))
	// Attachments (attachments.go)
	s.Handle("AttachRolePolicy", awsapi.QueryOp(c.AttachRolePolicy))
	s.Handle("DetachRolePolicy", awsapi.QueryOp(c.DetachRolePolicy))
	s.Handle("ListAttachedRolePolicies", awsapi.QueryOp(c.ListAttachedRolePolicies))
	// Instance profiles (instanceprofiles.go)
	s.Handle("CreateInstanceProfile", awsapi.QueryOp(c.CreateInstanceProfile))
	s.Handle("GetInstanceProfile", awsapi.QueryOp(c.GetInstanceProfile))
	s.Handle("DeleteInstanceProfile", awsapi.QueryOp(c.DeleteInstanceProfile))
	s.Handle("AddRoleToInstanceProfile", awsapi.QueryOp(c.AddRoleToInstanceProfile))
	s.Handle("RemoveRoleFromInstanceProfile", awsapi.QueryOp(c.RemoveRoleFromInstanceProfile))
	s.Handle("ListInstanceProfilesForRole", awsapi.QueryOp(c.ListInstanceProfilesForRole))
	// Service-linked roles (servicelinked.go)
	s.Handle("CreateServiceLinkedRole", awsapi.QueryOp(c.CreateServiceLinkedRole))
	s.Handle("DeleteServiceLinkedRole", awsapi.QueryOp(c.DeleteServiceLinkedRole))
	s.Handle("GetServiceLinkedRoleDeletionStatus", awsapi.QueryOp(c.GetServiceLinkedRoleDeletionStatus))
	// The caller (users.go)
	s.Handle("GetUser", awsapi.QueryOp(c.GetUser))
	mux.AddQuery(s)
}
