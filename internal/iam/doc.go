// Package iam is AWS Identity and Access Management as far as local stacks
// need it: roles with their trust policies, inline and managed policies
// (with versions) and attachments, instance profiles, service-linked roles,
// and GetUser for the caller. It speaks awsQuery (Version=2010-05-08),
// IAM being a global service that clients sign for us-east-1.
//
// Policies are checked against IAM's policy grammar (MalformedPolicyDocument)
// and stored, never enforced: every caller the server authenticates may do
// everything. Documents are returned URL-encoded, as IAM returns them.
//
// STS (package sts) reads roles through Control.RoleByARN to issue their
// temporary credentials; the stack deployer creates AWS::IAM::* resources
// through the same operations clients call.
package iam
