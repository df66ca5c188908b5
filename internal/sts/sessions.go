package sts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/iam"
	"github.com/portolan/portolan/internal/store"
)

// accessKeyPrefix starts every temporary access key id, as on AWS.
const accessKeyPrefix = "ASIA"

// Session lengths, in seconds.
const (
	minDuration        = 900
	roleDefault        = 3600
	chainedMax         = 3600 // a role assumed with a role's credentials
	rootSessionMax     = 3600 // GetSessionToken with root's credentials
	rootSessionDefault = 3600
)

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

type AssumeRoleInput struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds *int
	Policy          string
	ExternalId      string
	SerialNumber    string
	TokenCode       string
	SourceIdentity  string
}

type AssumeRoleOutput struct {
	Credentials     *Credentials
	AssumedRoleUser *AssumedRoleUser
	SourceIdentity  string
}

// AssumeRole issues temporary credentials for a role. The trust policy is
// not evaluated: every authenticated caller may assume every role.
func (c *Control) AssumeRole(ctx context.Context, in *AssumeRoleInput) (*AssumeRoleOutput, error) {
	switch {
	case in.RoleArn == "":
		return nil, missing("roleArn")
	case in.RoleSessionName == "":
		return nil, missing("roleSessionName")
	case !sessionNamePattern.MatchString(in.RoleSessionName):
		return nil, ErrValidation.Newf("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", in.RoleSessionName)
	case len(in.RoleArn) < 20 || len(in.RoleArn) > 2048:
		return nil, ErrValidation.Newf("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048", in.RoleArn)
	}
	caller, err := c.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	callerARN := c.rootARN()
	if caller != nil {
		callerARN = caller.Arn
	}
	role, err := c.cfg.Roles.RoleByARN(ctx, in.RoleArn)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, ErrAccessDenied.Newf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, in.RoleArn)
	}
	if err != nil {
		return nil, err
	}
	duration, err := roleDuration(in.DurationSeconds, role.MaxSessionDuration, caller != nil)
	if err != nil {
		return nil, err
	}
	s, err := c.IssueRoleSession(ctx, role, in.RoleSessionName, duration)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleOutput{Credentials: &s.Credentials, SourceIdentity: in.SourceIdentity,
		AssumedRoleUser: &AssumedRoleUser{AssumedRoleId: s.UserId, Arn: s.Arn}}, nil
}

// roleDuration is the session length AssumeRole grants: the request's, at
// least 15 minutes and at most the role's maximum (one hour when a role's
// session assumes another: role chaining).
func roleDuration(asked *int, roleMax int, chained bool) (time.Duration, error) {
	if asked == nil {
		return roleDefault * time.Second, nil
	}
	d := *asked
	switch {
	case d < minDuration || d > 43200:
		return 0, ErrValidation.Newf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and 43200", d, minDuration)
	case chained && d > chainedMax:
		return 0, ErrValidation.Newf("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case d > roleMax:
		return 0, ErrValidation.Newf("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return time.Duration(d) * time.Second, nil
}

// IssueRoleSession stores and returns new credentials for role, valid for
// duration: AssumeRole's, and the ECS task role's (the session named
// after the task).
func (c *Control) IssueRoleSession(ctx context.Context, role *iam.Role, sessionName string, duration time.Duration) (*Session, error) {
	s := c.newSession(duration)
	s.UserId = role.RoleId + ":" + sessionName
	s.Arn = awsapi.ARN("sts", "", c.cfg.AccountID, "assumed-role/"+role.RoleName+"/"+sessionName)
	s.RoleArn = role.Arn
	return s, c.store(ctx, s)
}

type GetSessionTokenInput struct {
	DurationSeconds *int
	SerialNumber    string
	TokenCode       string
}

type GetSessionTokenOutput struct{ Credentials *Credentials }

// GetSessionToken issues temporary credentials for the caller itself (the
// account's root: at most an hour, as AWS allows root).
func (c *Control) GetSessionToken(ctx context.Context, in *GetSessionTokenInput) (*GetSessionTokenOutput, error) {
	caller, err := c.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	if caller != nil {
		return nil, ErrAccessDenied.Newf("Cannot call GetSessionToken with session credentials")
	}
	d := rootSessionDefault
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
		if d < minDuration || d > 129600 {
			return nil, ErrValidation.Newf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and 129600", d, minDuration)
		}
		d = min(d, rootSessionMax) // AWS shortens root's sessions silently
	}
	s := c.newSession(time.Duration(d) * time.Second)
	s.UserId, s.Arn = c.cfg.AccountID, c.rootARN()
	if err := c.store(ctx, s); err != nil {
		return nil, err
	}
	return &GetSessionTokenOutput{Credentials: &s.Credentials}, nil
}

// newSession makes credentials expiring after d.
func (c *Control) newSession(d time.Duration) *Session {
	return &Session{Credentials: Credentials{
		AccessKeyId:     accessKeyPrefix + awsapi.RandomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		SecretAccessKey: awsapi.RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
		SessionToken:    newToken(),
		Expiration:      c.now().Add(d).Truncate(time.Second),
	}}
}

// newToken is an opaque session token: 96 random bytes, base64.
func newToken() string {
	b := make([]byte, 96)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func (c *Control) store(ctx context.Context, s *Session) error {
	key := sessionKey(s.AccessKeyId)
	_, err := c.st.Commit(ctx, store.Txn{If: []store.Cmp{store.Absent(key)}, Then: []store.Op{store.Put(key, store.JSON(s))}})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("sts: access key %s issued twice", s.AccessKeyId)
	}
	return err
}
