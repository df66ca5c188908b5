package iam

import "time"

// Tag is a key-value pair on a role, policy or instance profile.
type Tag struct {
	Key   string
	Value string
}

// Role is IAM's Role shape, as stored: AssumeRolePolicyDocument holds the
// document as written; wire() encodes it as IAM returns it.
type Role struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               time.Time
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int
	PermissionsBoundary      *AttachedPermissionsBoundary `json:",omitempty"`
	Tags                     []Tag                        `json:",omitempty"`
	RoleLastUsed             *RoleLastUsed                `json:",omitempty"`
}

// AttachedPermissionsBoundary names a role's permissions boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  string
}

// RoleLastUsed is always empty here: nothing tracks use.
type RoleLastUsed struct {
	LastUsedDate *time.Time
	Region       string
}

// wire is the role as IAM answers it.
func (r Role) wire() *Role {
	r.AssumeRolePolicyDocument = encodeDocument(r.AssumeRolePolicyDocument)
	if r.RoleLastUsed == nil {
		r.RoleLastUsed = &RoleLastUsed{}
	}
	return &r
}

// rolePolicy is an inline policy as stored.
type rolePolicy struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

// attachment records a managed policy attached to a role.
type attachment struct {
	PolicyName string
	PolicyArn  string
}

// Policy is IAM's Policy shape (a managed policy).
type Policy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string
	CreateDate                    time.Time
	UpdateDate                    time.Time
	Tags                          []Tag `json:",omitempty"`
}

// PolicyVersion is one version of a managed policy; Document is stored as
// written and returned URL-encoded (only GetPolicyVersion returns it).
type PolicyVersion struct {
	Document         string
	VersionId        string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// policyRecord is a customer managed policy with its versions, kept in one
// record so that changing the default version is one write.
type policyRecord struct {
	Policy
	Versions []PolicyVersion
	// NextVersion numbers the next version (v1, v2…): IAM never reuses one.
	NextVersion int
}

// AttachedPolicy names a managed policy attached to a role.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// InstanceProfile is IAM's InstanceProfile shape.
type InstanceProfile struct {
	Path                string
	InstanceProfileName string
	InstanceProfileId   string
	Arn                 string
	CreateDate          time.Time
	Roles               []*Role
	Tags                []Tag `json:",omitempty"`
}

// instanceProfileRecord keeps the names of its roles, which are read
// fresh when the profile is returned.
type instanceProfileRecord struct {
	InstanceProfile
	RoleNames []string
}

// User is IAM's User shape.
type User struct {
	Path       string
	UserName   string
	UserId     string
	Arn        string
	CreateDate time.Time
}

// Page is the paging members of IAM's List answers.
type Page struct {
	IsTruncated bool
	Marker      string
}

// Paging is the paging members of IAM's List requests.
type Paging struct {
	Marker   string
	MaxItems *int
}
