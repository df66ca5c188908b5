package ecs_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/portolan/portolan/internal/ecs/ecstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// TestAWSCLIFlow runs testdata/cli-flow.sh: a task's life through the real
// AWS CLI v2.
func TestAWSCLIFlow(t *testing.T) {
	const cli = "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("AWS CLI v2 not installed at " + cli)
		}
		t.Skip("AWS CLI v2 not installed at " + cli)
	}
	app := runtimetest.BuildApp(t)
	env := ecstest.Start(t)
	cmd := exec.Command("bash", "testdata/cli-flow.sh")
	cmd.Env = append(os.Environ(), "ENDPOINT="+env.URL, "AWS_CLI="+cli, "APP="+app)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("cli flow: %v", err)
	}
}
