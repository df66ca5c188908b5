package cloudmap_test

import (
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// TestAWSCLIFlow runs testdata/cli-flow.sh: the whole lifecycle through the
// real AWS CLI v2, a third-party client with its own serializers.
func TestAWSCLIFlow(t *testing.T) {
	const cli = "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		requireInCI(t, "AWS CLI v2 not installed at "+cli+" (apt-get install awscli)")
	}
	if _, err := net.LookupHost("data-localhost"); err != nil {
		requireInCI(t, "data-localhost does not resolve: add '127.0.0.1 data-localhost' to /etc/hosts (see README)")
	}
	env := cloudmaptest.Start(t)
	cmd := exec.Command("bash", "testdata/cli-flow.sh")
	cmd.Env = append(os.Environ(), "ENDPOINT="+env.Endpoint, "AWS_CLI="+cli)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("cli flow: %v", err)
	}
}

// requireInCI skips a test whose external tool is missing on a developer's
// machine, but fails it in CI, where .ci/run installs everything.
func requireInCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}
