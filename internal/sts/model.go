package sts

import "time"

// Credentials are temporary credentials as STS returns them.
type Credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// AssumedRoleUser names the session AssumeRole made.
type AssumedRoleUser struct {
	AssumedRoleId string // ROLEID:SESSIONNAME
	Arn           string // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
}

// Session is an issued access key as stored: its credentials and who they
// make the caller (GetCallerIdentity's answer).
type Session struct {
	Credentials
	UserId  string
	Arn     string
	RoleArn string `json:",omitempty"`
}
