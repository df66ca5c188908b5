package logs

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const awsCLI = "/usr/bin/aws"

// awsCmd runs the real AWS CLI against the test server, isolated from any
// configuration on the machine.
func awsCmd(ctx context.Context, t *testing.T, env *testEnv, args ...string) *exec.Cmd {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, awsCLI, append([]string{"--endpoint-url", env.url, "--region", "us-east-1", "--output", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"HOME="+home,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return cmd
}

func runAWS(ctx context.Context, t *testing.T, env *testEnv, args ...string) string {
	t.Helper()
	out, err := awsCmd(ctx, t, env, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		// .ci/run installs it: in CI a missing CLI is a failure.
		if os.Getenv("CI") != "" {
			t.Fatal("AWS CLI not installed at " + awsCLI)
		}
		t.Skip("AWS CLI not installed at " + awsCLI)
	}
	env := newTestEnv(t, Config{FlushInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- env.svc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// Writing through the CLI.
	runAWS(ctx, t, env, "logs", "create-log-group", "--log-group-name", "/cli/app")
	runAWS(ctx, t, env, "logs", "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "manual")
	now := time.Now().UnixMilli()
	runAWS(ctx, t, env, "logs", "put-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "manual",
		"--log-events", fmt.Sprintf("timestamp=%d,message=hello-from-cli", now-500), fmt.Sprintf("timestamp=%d,message=ERROR-from-cli", now-400))

	// Writing in-process, as the ECS agent does.
	w, err := env.svc.NewWriter(ctx, "/cli/app", "app/web/task1")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "server started\nERROR something failed\n")
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	checkCLIReads(ctx, t, env)

	// aws logs tail: everything of the last ten minutes, across streams.
	out := runAWS(ctx, t, env, "logs", "tail", "/cli/app")
	for _, want := range []string{"manual hello-from-cli", "manual ERROR-from-cli", "app/web/task1 server started", "app/web/task1 ERROR something failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("aws logs tail lacks %q:\n%s", want, out)
		}
	}
	if out := runAWS(ctx, t, env, "logs", "tail", "/cli/app", "--format", "short", "--filter-pattern", "ERROR"); strings.Count(out, "\n") != 2 {
		t.Errorf("aws logs tail --filter-pattern ERROR:\n%s", out)
	}

	checkTailFollow(ctx, t, env, w)
}

// checkCLIReads reads /cli/app back with describe-log-groups, get-log-events
// and filter-log-events.
func checkCLIReads(ctx context.Context, t *testing.T, env *testEnv) {
	t.Helper()
	var groups struct {
		LogGroups []struct {
			LogGroupName string
			Arn          string
			StoredBytes  int64
		}
	}
	if err := json.Unmarshal([]byte(runAWS(ctx, t, env, "logs", "describe-log-groups")), &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups.LogGroups) != 1 || groups.LogGroups[0].StoredBytes == 0 {
		t.Fatalf("describe-log-groups: %+v", groups)
	}

	var got struct {
		Events []struct {
			Timestamp int64
			Message   string
		}
		NextForwardToken  string
		NextBackwardToken string
	}
	if err := json.Unmarshal([]byte(runAWS(ctx, t, env, "logs", "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "app/web/task1")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 || got.Events[0].Message != "server started" || !strings.HasPrefix(got.NextForwardToken, "f/") {
		t.Fatalf("get-log-events: %+v", got)
	}

	var filtered struct {
		Events []struct{ LogStreamName, Message string }
	}
	if err := json.Unmarshal([]byte(runAWS(ctx, t, env, "logs", "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "?ERROR ?hello")), &filtered); err != nil {
		t.Fatal(err)
	}
	if len(filtered.Events) != 3 {
		t.Fatalf("filter-log-events: %+v", filtered)
	}
}

// checkTailFollow: with aws logs tail --follow, lines w writes later show
// up, once each.
func checkTailFollow(ctx context.Context, t *testing.T, env *testEnv, w *Writer) {
	t.Helper()
	cmd := awsCmd(ctx, t, env, "logs", "tail", "/cli/app", "--follow", "--format", "short")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	seen := map[string]int{}
	waitFor := func(want string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for seen[want] == 0 {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("tail --follow exited before %q", want)
				}
				seen[l[strings.IndexByte(l, ' ')+1:]]++
			case <-timeout:
				t.Fatalf("tail --follow never printed %q (saw %v)", want, seen)
			}
		}
	}
	waitFor("ERROR something failed")
	fmt.Fprint(w, "request 1\nrequest 2\n") // flushed by Run
	waitFor("request 2")
	w.Log(time.Time{}, "request 3")
	waitFor("request 3")
	for l, n := range seen {
		if n != 1 {
			t.Errorf("tail --follow printed %q %d times", l, n)
		}
	}
}
