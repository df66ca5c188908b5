package iam

// Store layout. Names in keys are lower-cased (IAM names are unique
// regardless of case); the records keep them as written. A change to a
// role's policies or attachments also rewrites the role's record, so that
// DeleteRole's check for them and its delete are one transaction.
const (
	keyPrefix             = "iam/"
	rolePrefix            = keyPrefix + "role/"
	rolePolicyPrefix      = keyPrefix + "rolepolicy/"
	attachmentPrefix      = keyPrefix + "attached/"
	policyPrefix          = keyPrefix + "policy/"
	instanceProfilePrefix = keyPrefix + "instanceprofile/"
)

func roleKey(name string) string { return rolePrefix + lower(name) }

// rolePoliciesOf is the prefix of a role's inline policies.
func rolePoliciesOf(role string) string { return rolePolicyPrefix + lower(role) + "/" }

func rolePolicyKey(role, policy string) string { return rolePoliciesOf(role) + policy }

// attachmentsOf is the prefix of the managed policies attached to a role.
func attachmentsOf(role string) string { return attachmentPrefix + lower(role) + "/" }

func attachmentKey(role, policyARN string) string { return attachmentsOf(role) + policyARN }

func policyKey(name string) string { return policyPrefix + lower(name) }

func instanceProfileKey(name string) string { return instanceProfilePrefix + lower(name) }
