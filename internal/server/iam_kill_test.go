package server_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestIAMAndSessionsSurviveKill9: a role, its policy and temporary
// credentials acknowledged before a SIGKILL are there after the restart,
// and the credentials still sign calls.
func TestIAMAndSessionsSurviveKill9(t *testing.T) {
	dataDir, port := t.TempDir(), servertest.FreePort(t)
	flags := []string{"--access-key-id", "AKIDKILL", "--secret-access-key", "kill-secret"}
	srv := servertest.StartProcess(t, dataDir, port, flags...)
	ctx := context.Background()
	endpoint := fmt.Sprintf("http://localhost:%d", port)
	cfg := servertest.Config(endpoint, "AKIDKILL", "kill-secret")
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("durable"),
		AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(cfg).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("durable"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("before-kill")})
	if err != nil {
		t.Fatal(err)
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	servertest.StartProcess(t, dataDir, port, flags...)

	got, err := iam.NewFromConfig(cfg).GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("durable"), PolicyName: aws.String("p")})
	if err != nil || aws.ToString(got.RoleName) != "durable" {
		t.Fatalf("after the restart: %+v %v", got, err)
	}
	id, err := sts.NewFromConfig(sessionConfig(endpoint, out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:sts::000000000000:assumed-role/durable/before-kill" {
		t.Fatalf("the session after the restart: %+v %v", id, err)
	}
}

// sessionConfig signs with temporary credentials.
func sessionConfig(endpoint string, c *types.Credentials) aws.Config {
	cfg := servertest.Config(endpoint, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey))
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}, nil
	})
	return cfg
}
