package process

import (
	"io"
	"os"
	"os/exec"
	"testing"
)

// StartHelperProcess runs this test binary again, running only the test
// named test with env added to its environment: the test plays a server
// that the caller then crashes. Its standard error goes to ours; it returns
// the started command and its standard output. Exported (only to tests) so
// that process_test uses it too.
func StartHelperProcess(t *testing.T, test string, env ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}
