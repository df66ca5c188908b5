//go:build linux

package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

func TestParseStat(t *testing.T) {
	// comm may hold spaces and parentheses; fields count from the last ')'.
	line := "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 987654 1000000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	p, err := parseStat(4242, []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := procInfo{PID: 4242, State: 'S', Session: 4242, CPUTicks: 7 + 3 + 2 + 1, StartTicks: 987654, RSSPages: 321}
	if p != want {
		t.Errorf("parseStat = %+v, want %+v", p, want)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2"} {
		if _, err := parseStat(1, []byte(bad)); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
	// The test binary's own session may be 0 (its leader lives outside a
	// container's PID namespace, as in CI), so only the rest is checked.
	self, err := readStat(os.Getpid())
	if err != nil || self.PID != os.Getpid() || self.StartTicks == 0 || !alive(os.Getpid(), self.StartTicks) || alive(os.Getpid(), self.StartTicks+1) {
		t.Errorf("readStat(self) = %+v, %v", self, err)
	}
}

func TestAllocate(t *testing.T) {
	pool := netip.MustParsePrefix("127.9.9.0/30")
	used := map[netip.Addr]bool{}
	var got []string
	for {
		a, err := allocate(pool, used)
		if err != nil {
			break
		}
		used[a] = true
		got = append(got, a.String())
	}
	// .0 is skipped; .3 is the last of the /30.
	if want := []string{"127.9.9.1", "127.9.9.2", "127.9.9.3"}; !slices.Equal(got, want) {
		t.Errorf("allocations = %v, want %v", got, want)
	}
	delete(used, netip.MustParseAddr("127.9.9.2"))
	if a, _ := allocate(pool, used); a.String() != "127.9.9.2" {
		t.Errorf("freed address not reused: got %v", a)
	}

	loopback := netip.MustParsePrefix("127.0.0.0/8")
	seen := map[netip.Prefix]bool{}
	for _, owner := range []string{"a", "b", "/tmp/x", "/tmp/y", ""} {
		p := defaultPool(owner)
		if p.Bits() != 24 || !loopback.Contains(p.Addr()) || p.Addr().As4()[1] == 0 {
			t.Errorf("defaultPool(%q) = %v", owner, p)
		}
		if p != defaultPool(owner) {
			t.Errorf("defaultPool(%q) is not stable", owner)
		}
		seen[p] = true
	}
	if len(seen) < 4 {
		t.Errorf("defaultPool gives %d pools for 5 owners", len(seen))
	}
}

func TestTailer(t *testing.T) {
	dir := t.TempDir()
	out, errp := filepath.Join(dir, "stdout.log"), filepath.Join(dir, "stderr.log")
	long := strings.Repeat("x", maxLine+10)
	if err := os.WriteFile(out, []byte("one\r\ntwo\n"+long+"\npart"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(errp, []byte("e1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	collect := func(off [2]int64, final bool) []runtime.LogLine {
		var lines []runtime.LogLine
		tl := tailer{fn: func(l runtime.LogLine) error { lines = append(lines, l); return nil }}
		tl.streams[0] = tailStream{stream: runtime.Stdout, path: out, off: off[0]}
		tl.streams[1] = tailStream{stream: runtime.Stderr, path: errp, off: off[1]}
		defer tl.close()
		if _, err := tl.pass(final); err != nil {
			t.Fatal(err)
		}
		return lines
	}
	lines := collect([2]int64{}, false)
	var got []string
	for _, l := range lines {
		got = append(got, l.Stream.String()+":"+l.Text[:min(len(l.Text), 5)])
	}
	// The long line is cut at maxLine; "part" has no newline yet.
	want := []string{"stdout:one", "stdout:two", "stdout:xxxxx", "stdout:xxxxx", "stderr:e1"}
	if !slices.Equal(got, want) {
		t.Fatalf("lines = %v, want %v", got, want)
	}
	if len(lines[2].Text) != maxLine || len(lines[3].Text) != 10 {
		t.Errorf("long line split %d+%d, want %d+10", len(lines[2].Text), len(lines[3].Text), maxLine)
	}

	// Resuming from the cursor of "two" gives the rest, and "part" once final.
	off, err := parseCursor(lines[1].Cursor)
	if err != nil {
		t.Fatal(err)
	}
	rest := collect(off, true)
	if len(rest) != 4 || rest[0].Text != long[:maxLine] || rest[2].Text != "part" || rest[3].Text != "e1" {
		t.Errorf("after cursor %s: %d lines, last %q", lines[1].Cursor, len(rest), rest[len(rest)-1].Text)
	}
	if _, err := parseCursor("nonsense"); err == nil {
		t.Error("parseCursor(nonsense): no error")
	}
}

func TestWaitExit(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Wait()
	st, err := readStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := waitExit(ctx, cmd.Process.Pid, st.StartTicks); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waitExit on a live process = %v, want the context's error", err)
	}
	// A different start time means the pid names someone else: not ours to
	// wait for.
	if err := waitExit(context.Background(), cmd.Process.Pid, st.StartTicks+1); err != nil {
		t.Errorf("waitExit with a stale start time = %v", err)
	}
	time.AfterFunc(50*time.Millisecond, func() { _ = cmd.Process.Kill() })
	start := time.Now()
	if err := waitExit(context.Background(), cmd.Process.Pid, st.StartTicks); err != nil {
		t.Errorf("waitExit = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("waitExit took %v", el)
	}
}

// TestCrashWhileStarting kills a server (a helper process) between spawning
// a container's process and recording its pid, then starts a new Driver on
// the same state directory: the process must be found by its marker and
// adopted if its record still says "starting", killed otherwise, and never
// left running unknown to the driver.
func TestCrashWhileStarting(t *testing.T) {
	if os.Getenv("PORTOLAN_TEST_CRASH_HELPER") != "" {
		crashHelper(t)
		return
	}
	tests := []struct {
		name    string
		before  func(t *testing.T, d *Driver, id string) // what happened to the record meanwhile
		adopted bool
	}{
		{name: "record says starting: adopted", adopted: true},
		{
			name: "record already says exited: killed",
			before: func(t *testing.T, d *Driver, id string) {
				// As a driver without the marker scan would have reported it.
				rec, err := d.readContainer(id)
				if err != nil {
					t.Fatal(err)
				}
				rec.Exit = &runtime.ExitStatus{Code: runtime.UnknownExitCode, Reason: "the server stopped while starting the container"}
				if err := writeJSON(d.containerPath(id), rec); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "record gone: killed",
			before: func(t *testing.T, d *Driver, id string) {
				if err := os.RemoveAll(d.containerDir(id)); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			taskID, id, pid := crashWhileStarting(t, state)
			t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
			st, err := readStat(pid)
			if err != nil || !alive(pid, st.StartTicks) {
				t.Fatalf("the container process %d did not outlive its server: %v", pid, err)
			}
			d := &Driver{cfg: Config{StateDir: state}} // for its paths
			if tt.before != nil {
				tt.before(t, d, id)
			}

			d, err = New(Config{StateDir: state})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			defer d.RemoveAll(ctx)
			if got := alive(pid, st.StartTicks); got != tt.adopted {
				t.Fatalf("after New, process alive = %v, want %v", got, tt.adopted)
			}
			tasks, err := d.List(ctx)
			if err != nil || len(tasks) != 1 || tasks[0].ID != taskID {
				t.Fatalf("List = %+v, %v; want task %s", tasks, err, taskID)
			}
			if !tt.adopted {
				for _, c := range tasks[0].Containers {
					if c.Status != runtime.StatusStopped {
						t.Errorf("container %s is %s, want stopped", c.ID, c.Status)
					}
				}
				return
			}
			if cs := tasks[0].Containers; len(cs) != 1 || cs[0].Status != runtime.StatusRunning || cs[0].PID != pid || cs[0].StartedAt.IsZero() {
				t.Fatalf("containers = %+v; want %s running as pid %d", cs, id, pid)
			}
			if err := d.DeprovisionTask(ctx, taskID); err != nil {
				t.Fatal(err)
			}
			if alive(pid, st.StartTicks) {
				t.Errorf("pid %d still alive after DeprovisionTask", pid)
			}
		})
	}
}

// crashWhileStarting runs a helper "server" that starts a container in
// state and is killed with SIGKILL before it can record the pid.
func crashWhileStarting(t *testing.T, state string) (taskID, containerID string, pid int) {
	cmd, out := StartHelperProcess(t, "TestCrashWhileStarting", "PORTOLAN_TEST_CRASH_HELPER=1", "HELPER_STATE="+state)
	defer cmd.Wait()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "SPAWNED %s %s %d", &taskID, &containerID, &pid); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatalf("helper did not spawn: %v", sc.Err())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	return taskID, containerID, pid
}

// crashHelper is the server TestCrashWhileStarting kills.
func crashHelper(t *testing.T) {
	d, err := New(Config{StateDir: os.Getenv("HELPER_STATE")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task, err := d.ProvisionTask(ctx, runtime.TaskSpec{TaskID: "crash", Cluster: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	d.spawned = func(pid int) {
		fmt.Printf("SPAWNED %s %s %d\n", task.ID, containerID(task.ID, "web"), pid)
		time.Sleep(time.Minute)
		os.Exit(3) // never reached: the test kills us first
	}
	_, err = d.StartContainer(ctx, task.ID, runtime.ContainerSpec{Name: "web", Command: []string{"sleep", "300"}})
	t.Fatalf("StartContainer returned (%v) instead of hanging", err)
}
