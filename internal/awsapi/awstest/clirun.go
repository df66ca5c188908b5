package awstest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CLIResult is what one run of the AWS CLI printed and how it exited.
type CLIResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// CLIRun runs the AWS CLI as CLI does (test credentials, no user
// configuration) and returns what it printed and its exit code, for tests
// of commands that are meant to fail, or whose text output matters (`aws
// cloudformation deploy`). Only a CLI that cannot start fails t.
func CLIRun(ctx context.Context, t testing.TB, endpoint string, args ...string) CLIResult {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, CLIPath, append([]string{"--endpoint-url", endpoint, "--region", Region, "--output", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return CLIResult{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}
}
