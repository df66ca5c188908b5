package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestStatusAndLogs deploys the quick start with the real binary on a
// server that requires signatures, then checks what `portolan status` and
// `portolan logs` show of it: the API, the service at 2/2 with both tasks
// and their healthy Cloud Map instances, the tasks' output by service, by
// group and by task, and a request's log line arriving while following.
func TestStatusAndLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portolan and the quickstart app, runs two tasks")
	}
	bin := servertest.Binary(t)
	app := servertest.BuildApp(t, "./examples/quickstart/app")
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "AKIDSTATUS", "s3cret" })
	api := env.Server.APIAddr()
	cliEnv := append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSTATUS", "AWS_SECRET_ACCESS_KEY=s3cret", "PORTOLAN_API="+api)
	portolan := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = cliEnv
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), errors.New(err.Error() + ": " + stderr.String())
		}
		return string(out), nil
	}

	if out, err := portolan("deploy", "-f", "../../examples/quickstart/template.yaml", "--stack-name", "quickstart", "--image", "app="+app); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}

	// The internal endpoints hold to the server's credentials.
	for _, path := range []string{"/_portolan/status", "/_portolan/logs?target=hello"} {
		resp, err := http.Get("http://" + api + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("unsigned GET %s: %s, want 403", path, resp.Status)
		}
	}

	st, svc, instances := waitStatus(t, portolan)
	if len(st.APIs) != 1 || st.APIs[0].Name != "quickstart" || len(st.APIs[0].Routes) != 1 ||
		st.APIs[0].Routes[0].Key != "ANY /{proxy+}" || st.APIs[0].Routes[0].AuthorizationType != "NONE" {
		t.Fatalf("status APIs: %+v", st.APIs)
	}
	if len(st.VpcLinks) != 1 || st.VpcLinks[0].Status != "AVAILABLE" {
		t.Fatalf("status VPC links: %+v", st.VpcLinks)
	}

	// The tables say the same.
	out, err := portolan("status")
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	apiID := st.APIs[0].ID
	rows := [][]string{
		{"quickstart", apiID, st.APIs[0].Endpoint, "$default"},
		{"quickstart", "ANY /{proxy+}", "NONE", "VPC link quickstart → hello.quickstart.local"},
		{"quickstart", "hello", "2/2", "0", "COMPLETED", "quickstart-hello:1"},
	}
	for _, task := range svc.Tasks {
		if task.LastStatus != "RUNNING" || task.Address == "" {
			t.Errorf("task %+v, want RUNNING with an address", task)
		}
		rows = append(rows, []string{"quickstart", "hello", task.ID, "RUNNING", task.Health, task.Address})
	}
	for _, in := range instances {
		rows = append(rows, []string{"quickstart.local", "hello", in.ID, in.Address, "HEALTHY"})
	}
	for _, row := range rows {
		if !hasRow(out, row...) {
			t.Errorf("status lacks a row %q:\n%s", row, out)
		}
	}

	// Logs by service, by group and by task: each task says where it listens.
	waitLogs := func(target string, lines int) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			out, err := portolan("logs", target)
			if err != nil {
				t.Fatalf("logs %s: %v", target, err)
			}
			if strings.Count(out, "listening on") >= lines || time.Now().After(deadline) {
				return out
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, target := range []string{"hello", "quickstart/hello", "/ecs/quickstart"} {
		out := waitLogs(target, 2)
		for _, task := range svc.Tasks {
			if !strings.Contains(out, "hello/app/"+task.ID[:8]+" | ") || !strings.Contains(out, "listening on") {
				t.Errorf("logs %s lack task %s's lines:\n%s", target, task.ID, out)
			}
		}
	}
	one, other := svc.Tasks[0].ID, svc.Tasks[1].ID
	out = waitLogs(one, 1)
	if !strings.Contains(out, "hello/app/"+one[:8]) || strings.Contains(out, other[:8]) {
		t.Errorf("logs of task %s:\n%s", one, out)
	}
	if out, err := portolan("logs", "nosuch"); err == nil || !strings.Contains(err.Error(), `"nosuch" is not a log group`) {
		t.Errorf("logs of an unknown target: %v\n%s", err, out)
	}

	checkFollow(t, bin, cliEnv, env.Server.GatewayAddr(), apiID)
}

// waitStatus runs `portolan status --json` until the quick start's service
// is at 2/2, its rollout COMPLETED, with 2 healthy Cloud Map instances.
func waitStatus(t *testing.T, portolan func(args ...string) (string, error)) (st admin.Status, svc admin.StatusService, instances []admin.StatusInstance) {
	t.Helper()
	// --json parses; wait on it until both tasks run, both instances are
	// healthy and the deployment is complete.
	deadline := time.Now().Add(time.Minute)
	for {
		out, err := portolan("status", "--json")
		if err != nil {
			t.Fatalf("status --json: %v", err)
		}
		st = admin.Status{}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("status --json does not parse: %v\n%s", err, out)
		}
		svc, instances = admin.StatusService{}, nil
		for _, c := range st.Clusters {
			for _, s := range c.Services {
				if c.Name == "quickstart" && s.Name == "hello" {
					svc = s
				}
			}
		}
		for _, ns := range st.Namespaces {
			for _, s := range ns.Services {
				if ns.Name == "quickstart.local" && s.Name == "hello" {
					instances = s.Instances
				}
			}
		}
		healthy := 0
		for _, in := range instances {
			if in.Health == "HEALTHY" {
				healthy++
			}
		}
		if svc.Running == 2 && svc.Desired == 2 && len(svc.Tasks) == 2 && healthy == 2 && svc.Rollout == "COMPLETED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not at 2/2, COMPLETED, with 2 healthy instances after a minute:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return st, svc, instances
}

// checkFollow runs `portolan logs hello --follow` and checks that it prints
// the log line of a request made to the API after it started.
func checkFollow(t *testing.T, bin string, cliEnv []string, gateway, apiID string) {
	t.Helper()
	// --follow prints the log line of a request made after it started.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	follow := exec.CommandContext(ctx, bin, "logs", "hello", "--follow")
	follow.Env, follow.Stderr = cliEnv, os.Stderr
	stdout, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer follow.Wait()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	seen, called := 0, false
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("portolan logs --follow ended by itself")
			}
			if strings.Contains(line, "listening on") {
				seen++
			}
			if strings.Contains(line, "GET /followed from") {
				cancel()
				return
			}
		case <-timeout:
			t.Fatalf("no log line of the request within 30s (saw %d listening lines)", seen)
		}
		if seen == 2 && !called {
			called = true
			req, _ := http.NewRequest(http.MethodGet, "http://"+gateway+"/followed", nil)
			req.Host = apiID + ".execute-api.localhost"
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("call the API: %v %v", resp, err)
			}
			resp.Body.Close()
		}
	}
}

// hasRow reports whether a line of a table holds the cells, in order, in
// columns of their own.
func hasRow(table string, cells ...string) bool {
	var re []string
	for _, c := range cells {
		re = append(re, regexp.QuoteMeta(c))
	}
	return regexp.MustCompile(`(?m)(^|\s)` + strings.Join(re, `\s+`) + `(\s|$)`).MatchString(table)
}
