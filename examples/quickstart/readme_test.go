//go:build unix

package quickstart_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeCommand returns the command the README's quick start says to run.
func readmeCommand(t *testing.T, marker string) string {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- readme:" + marker + " -->\\s*```sh\\n(.*?)\\n```").FindSubmatch(b)
	if m == nil {
		t.Fatalf("README has no %s command", marker)
	}
	return string(m[1])
}

// TestREADMEQuickstart does what the README tells a new user to do: run its
// first command from the repository root, wait for the curl line it prints,
// run that line, and stop everything with Ctrl-C.
func TestREADMEQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole quick start")
	}
	run := readmeCommand(t, "run")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", "exec "+run)
	cmd.Dir = "../.."
	// A fresh data dir, as on a fresh clone (PORTOLAN_DATA_DIR is the
	// documented environment form of --data-dir).
	cmd.Env = append(os.Environ(), "PORTOLAN_DATA_DIR="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	var transcript strings.Builder
	lines := bufio.NewScanner(out)
	curl := ""
	for curl == "" && lines.Scan() {
		line := lines.Text()
		transcript.WriteString(line + "\n")
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "curl "); ok {
			curl = "curl -sS --max-time 10 " + c
		}
	}
	if curl == "" {
		t.Fatalf("no curl line printed:\n%s", transcript.String())
	}
	rest := make(chan string, 1)
	go func() { // keep the log stream flowing; keep its tail for failures
		b, _ := io.ReadAll(out)
		rest <- string(b)
	}()

	var answer struct{ Message, Task string }
	deadline := time.Now().Add(30 * time.Second)
	for {
		body, err := exec.Command("sh", "-c", curl).Output()
		// Until the tasks answer, the gateway may still say 503
		// {"message":"Service Unavailable"}.
		if err == nil && json.Unmarshal(body, &answer) == nil && answer.Task != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v %s\n%s", curl, err, body, transcript.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if answer.Message != "Hello from the quickstart" {
		t.Fatalf("answer %+v", answer)
	}

	// Ctrl-C: the stack is deleted and the process exits by itself. (`go
	// run` reports exit status 1 after any interrupt, whatever its child
	// did, so the outcome is read from the output.)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		tail := <-rest
		if !regexp.MustCompile(`DELETE_COMPLETE +AWS::CloudFormation::Stack +quickstart`).MatchString(tail) {
			t.Fatalf("the stack was not deleted on Ctrl-C:\n%s", tail)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("portolan up did not stop after Ctrl-C")
	}
}
