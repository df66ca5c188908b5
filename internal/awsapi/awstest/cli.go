package awstest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CLIPath is where .ci/run installs the AWS CLI v2 (Debian's awscli).
const CLIPath = "/usr/bin/aws"

// NeedCLI skips t when the AWS CLI is missing, except in CI (CI set),
// where .ci/run installs it and a missing CLI is a failure.
func NeedCLI(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(CLIPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS CLI not installed at " + CLIPath)
		}
		t.Skip("AWS CLI not installed at " + CLIPath)
	}
}

// CLI runs `aws --endpoint-url endpoint --output json args...` with test
// credentials and no user configuration, and returns its output; a failure
// fails t with what the CLI printed.
func CLI(ctx context.Context, t testing.TB, endpoint string, args ...string) []byte {
	t.Helper()
	out, err := cliCommand(ctx, t, endpoint, args).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// CLIFails runs the CLI as CLI does, for a command that must fail, and
// returns what it printed on stderr (the AWS error); success fails t.
func CLIFails(ctx context.Context, t testing.TB, endpoint string, args ...string) string {
	t.Helper()
	out, err := cliCommand(ctx, t, endpoint, args).Output()
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Fatalf("aws %s: want a failure, got %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(ee.Stderr)
}

func cliCommand(ctx context.Context, t testing.TB, endpoint string, args []string) *exec.Cmd {
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
	return cmd
}
