package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestIAMAndSTSWithTheCLI drives IAM and STS with the AWS CLI against a
// server that requires credentials (the CLI's test pair), then signs
// calls with the credentials `sts assume-role` returned, and shows a bad
// session token refused.
func TestIAMAndSTSWithTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "test", "test" })
	ctx := context.Background()
	cli := func(args ...string) map[string]any {
		t.Helper()
		var out map[string]any
		if b := awstest.CLI(ctx, t, env.URL, args...); len(b) > 0 {
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		return out
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role := cli("iam", "create-role", "--role-name", "app-task", "--assume-role-policy-document", trust)["Role"].(map[string]any)
	roleARN := role["Arn"].(string)
	if roleARN != "arn:aws:iam::000000000000:role/app-task" || !strings.HasPrefix(role["RoleId"].(string), "AROA") {
		t.Fatalf("role: %v", role)
	}
	// botocore decodes the URL-encoded document into an object.
	if doc, ok := role["AssumeRolePolicyDocument"].(map[string]any); !ok || doc["Version"] != "2012-10-17" {
		t.Fatalf("trust policy as the CLI reads it: %#v", role["AssumeRolePolicyDocument"])
	}
	cli("iam", "put-role-policy", "--role-name", "app-task", "--policy-name", "logs",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`)
	cli("iam", "attach-role-policy", "--role-name", "app-task", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
	attached := cli("iam", "list-attached-role-policies", "--role-name", "app-task")["AttachedPolicies"].([]any)
	if len(attached) != 1 || attached[0].(map[string]any)["PolicyName"] != "AmazonECSTaskExecutionRolePolicy" {
		t.Fatalf("attached: %v", attached)
	}
	if names := cli("iam", "list-role-policies", "--role-name", "app-task")["PolicyNames"].([]any); len(names) != 1 || names[0] != "logs" {
		t.Fatalf("inline policies: %v", names)
	}
	if id := cli("sts", "get-caller-identity"); id["Account"] != "000000000000" || id["Arn"] != "arn:aws:iam::000000000000:root" {
		t.Fatalf("caller identity: %v", id)
	}
	// A malformed document is refused with IAM's code.
	if r := awstest.CLIRun(ctx, t, env.URL, "iam", "put-role-policy", "--role-name", "app-task", "--policy-name", "bad", "--policy-document", `{"Statement":[]}`); r.ExitCode == 0 || !strings.Contains(r.Stderr, "MalformedPolicyDocument") {
		t.Fatalf("malformed policy: %+v", r)
	}

	creds := cli("sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "cli", "--duration-seconds", "900")["Credentials"].(map[string]any)
	session := func(token string, args ...string) awstest.CLIResult {
		return cliAs(ctx, t, env.URL, creds["AccessKeyId"].(string), creds["SecretAccessKey"].(string), token, args...)
	}
	r := session(creds["SessionToken"].(string), "sts", "get-caller-identity")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "arn:aws:sts::000000000000:assumed-role/app-task/cli") {
		t.Fatalf("get-caller-identity with the role's credentials: %+v", r)
	}
	// Another service takes them too.
	if r := session(creds["SessionToken"].(string), "ecs", "list-clusters"); r.ExitCode != 0 {
		t.Fatalf("ecs list-clusters with the role's credentials: %+v", r)
	}
	if r := session("forged", "ecs", "list-clusters"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "UnrecognizedClientException") {
		t.Fatalf("a forged token: %+v", r)
	}
	if r := session("forged", "sts", "get-caller-identity"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "InvalidClientTokenId") {
		t.Fatalf("a forged token: %+v", r)
	}
}

// cliAs runs the AWS CLI with temporary credentials and no configuration.
func cliAs(ctx context.Context, t *testing.T, endpoint, key, secret, token string, args ...string) awstest.CLIResult {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, awstest.CLIPath, append([]string{"--endpoint-url", endpoint, "--region", awstest.Region, "--output", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return awstest.CLIResult{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}
}
