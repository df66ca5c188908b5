package awstest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Boto3Python is a python3 that can import boto3 (the one on PATH, or
// Debian's), or "" when there is none.
func Boto3Python() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			return p
		}
	}
	return ""
}

// Boto3 runs a Python script that uses boto3 with env added to a clean
// environment (none of the developer's AWS_ settings, no config or
// credentials file), and returns its standard output. Without boto3 it
// skips t, except in CI, where .ci/run installs it and its absence fails.
func Boto3(t testing.TB, script string, env ...string) []byte {
	t.Helper()
	python := Boto3Python()
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no python3 that can import boto3 (apt-get install python3-boto3)")
		}
		t.Skip("no python3 that can import boto3 (apt-get install python3-boto3)")
	}
	cmd := exec.Command(python, script)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	cmd.Env = append(cmd.Env, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", script, err, out, stderr.String())
	}
	return out
}
