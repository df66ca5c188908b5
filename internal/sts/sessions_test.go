package sts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/iam/iamtest"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func createRole(t *testing.T, e *iamtest.Env, name string) string {
	t.Helper()
	out, err := e.IAMClient().CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

// as is e's configuration signing with temporary credentials.
func as(e *iamtest.Env, c *types.Credentials) aws.Config {
	cfg := awstest.Config(e.Endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))
	cfg.Credentials = staticSession{aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}}
	return cfg
}

type staticSession struct{ c aws.Credentials }

func (s staticSession) Retrieve(context.Context) (aws.Credentials, error) { return s.c, nil }

func TestAssumeRoleCredentialsSignCalls(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	arn := createRole(t, e, "app")
	out, err := e.STSClient().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("dev"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" || time.Until(aws.ToTime(c.Expiration)) > 15*time.Minute {
		t.Fatalf("credentials: %+v", c)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/app/dev" || !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":dev") {
		t.Fatalf("assumed role user: %+v", out.AssumedRoleUser)
	}

	// The credentials sign calls, to STS and to another service.
	session := as(e, c)
	id, err := sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("caller identity: %+v", id)
	}
	if _, err := iam.NewFromConfig(session).ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	// Temporary credentials are no user's, and cannot get a session token.
	_, err = iam.NewFromConfig(session).GetUser(ctx, &iam.GetUserInput{})
	awstest.WantCode(t, err, "ValidationError")
	_, err = sts.NewFromConfig(session).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	awstest.WantCode(t, err, "AccessDenied")

	// A wrong token, or none, is refused.
	bad := *c
	bad.SessionToken = aws.String("not-the-token")
	_, err = sts.NewFromConfig(as(e, &bad)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	awstest.WantCode(t, err, "InvalidClientTokenId")
	_, err = sts.NewFromConfig(awstest.Config(e.Endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	awstest.WantCode(t, err, "InvalidClientTokenId")
	// An access key STS never issued.
	unknown := *c
	unknown.AccessKeyId = aws.String("ASIAAAAAAAAAAAAAAAAA")
	_, err = sts.NewFromConfig(as(e, &unknown)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	awstest.WantCode(t, err, "InvalidClientTokenId")

	// Past their expiration they are refused.
	e.Advance(15*time.Minute + time.Second)
	_, err = sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	awstest.WantCode(t, err, "ExpiredToken")
}

func TestSessionsSurviveRestart(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	out, err := e.STSClient().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	// Root's sessions last an hour at most, as on AWS.
	if left := time.Until(aws.ToTime(out.Credentials.Expiration)); left > time.Hour || left < 59*time.Minute {
		t.Fatalf("expiration in %v", left)
	}
	e.Stop()
	e = iamtest.Start(t, iamtest.InDir(e.Dir))
	id, err := sts.NewFromConfig(as(e, out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" {
		t.Fatalf("caller: %+v", id)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	arn := createRole(t, e, "app")
	c := e.STSClient()
	rev := e.Store.Revision()
	for _, tc := range []struct {
		in   sts.AssumeRoleInput
		code string
	}{
		{sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/nobody"), RoleSessionName: aws.String("s1")}, "AccessDenied"},
		{sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("bad name")}, "ValidationError"},
		{sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(600)}, "ValidationError"},
		// Above the role's MaxSessionDuration (one hour by default).
		{sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)}, "ValidationError"},
	} {
		_, err := c.AssumeRole(ctx, &tc.in)
		awstest.WantCode(t, err, tc.code)
	}
	if e.Store.Revision() != rev {
		t.Fatal("a refused AssumeRole wrote to the store")
	}
}

// TestExpiredSessionsAreDeleted: Run deletes the records of expired
// sessions (at start, then every ReapEvery), and only those.
func TestExpiredSessionsAreDeleted(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	arn := createRole(t, e, "app")
	c := e.STSClient()
	if _, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900)}); err != nil {
		t.Fatal(err)
	}
	long, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &arn, RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatal(err)
	}
	e.Stop()
	e = iamtest.Start(t, iamtest.InDir(e.Dir), iamtest.Ahead(20*time.Minute))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		kvs, _, err := e.Store.List(ctx, "sts/session/")
		if err != nil {
			t.Fatal(err)
		}
		if len(kvs) == 1 && strings.HasSuffix(kvs[0].Key, aws.ToString(long.Credentials.AccessKeyId)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions left", len(kvs))
		}
	}
}
