package ecs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// appProcesses lists the live container main processes running the binary
// at path.
func appProcesses(t *testing.T, path string) []int {
	t.Helper()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		// A container's main process carries the driver's marker; health
		// checks and other commands run in the container (the same
		// binary, here) do not.
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && exe == path && strings.Contains("\x00"+string(env), "\x00PORTOLAN_CONTAINER_ID=") {
			stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if !strings.Contains(string(stat), ") Z ") { // zombies are not running
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// killPID kills process pid as kill -9 does, on any platform.
func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Kill()
}

// TestKill9ReadoptsTasks: 10 tasks run, the server is SIGKILLed and
// restarted on the same data dir; the same 10 processes are RUNNING, none
// was started twice, none is orphaned, and they still stop on request.
func TestKill9ReadoptsTasks(t *testing.T) {
	app := runtimetest.BuildApp(t)
	dataDir := t.TempDir()
	port := servertest.FreePort(t)
	start := func() *exec.Cmd { return servertest.StartProcess(t, dataDir, port) }
	srv := start()
	t.Cleanup(func() { // whatever a failure left behind
		for _, pid := range appProcesses(t, app) {
			killPID(pid)
		}
	})
	c := ecs.NewFromConfig(servertest.Config(fmt.Sprintf("http://localhost:%d", port), "test", "test"))
	f := &fixture{t: t, ecs: c, app: app}
	ctx := context.Background()
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	arns := f.run(f.register("web", f.webContainer("web")), 10)
	pidOf := func(task types.Task) int {
		var info struct{ PID int }
		json.Unmarshal([]byte(get(t, "http://"+address(task)+":8080/")), &info)
		return info.PID
	}
	before := map[string]int{}
	for _, task := range f.waitFor("RUNNING", arns, running) {
		before[*task.TaskArn] = pidOf(task)
	}
	if n := len(appProcesses(t, app)); n != 10 {
		t.Fatalf("%d app processes before the kill, want 10", n)
	}

	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	start()

	for _, task := range f.waitFor("RUNNING", arns, running) {
		if pid := pidOf(task); pid != before[*task.TaskArn] {
			t.Errorf("task %s now served by pid %d, was %d: started twice", *task.TaskArn, pid, before[*task.TaskArn])
		}
	}
	list, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev")})
	if err != nil || len(list.TaskArns) != 10 {
		t.Fatalf("ListTasks after restart: %v %v", list, err)
	}
	time.Sleep(200 * time.Millisecond) // give a wrong agent time to start duplicates
	if n := len(appProcesses(t, app)); n != 10 {
		t.Fatalf("%d app processes after restart, want exactly 10", n)
	}

	// Adopted tasks still obey StopTask.
	for _, arn := range arns {
		if _, err := c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	f.waitFor("STOPPED", arns, stopped)
	deadline := time.Now().Add(10 * time.Second)
	for len(appProcesses(t, app)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("processes left after every task stopped: %v", appProcesses(t, app))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
