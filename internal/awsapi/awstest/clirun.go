package awstest

import (
	"context"
	"errors"
	"os/exec"
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
	cmd := cliCommand(ctx, t, endpoint, args)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return CLIResult{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}
}
