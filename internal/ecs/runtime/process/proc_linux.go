//go:build linux

package process

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// supported reports whether this platform can run the driver.
func supported() error { return nil }

// newSession makes a started process the leader of a new session (and
// process group) of its own.
func newSession() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// killGroup sends sig to the process group pgid.
func killGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }

func signalPID(pid int, sig syscall.Signal) { _ = syscall.Kill(pid, sig) }

// closeOnExecInherited marks every descriptor above stderr close-on-exec.
// The server's own descriptors are already; this catches those it inherited
// (a pipe of the shell that started it, a socket of a supervisor), which
// container processes would otherwise inherit in turn and, outliving the
// server, hold open for ever. Descriptors handed to a child on purpose are
// unaffected: the child gets dup2'd copies.
func closeOnExecInherited() error { return closeOnExecIn("/proc/self/fd") }

// procInfo is what the driver reads from /proc/<pid>/stat.
type procInfo struct {
	PID        int
	State      byte
	Session    int
	CPUTicks   uint64 // utime+stime+cutime+cstime
	StartTicks uint64 // field 22: when the process started, in ticks after boot
	RSSPages   int64
}

// ticksPerSecond is USER_HZ, the unit of /proc/<pid>/stat times. It is 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const ticksPerSecond = 100

// readStat parses /proc/<pid>/stat (proc(5)). It reads with bare system
// calls into a buffer on the stack: a scan of the process table reads
// every process's, and an *os.File costs twice the calls (fstat, the
// poller) and an allocation with a finalizer.
func readStat(pid int) (procInfo, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return procInfo{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var buf [1024]byte
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return procInfo{}, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			return parseStat(pid, buf[:n])
		}
		n += m
	}
	// Longer than any stat line the kernel writes today; read it whole.
	b, err := os.ReadFile(path)
	if err != nil {
		return procInfo{}, err
	}
	return parseStat(pid, b)
}

func parseStat(pid int, b []byte) (procInfo, error) {
	// comm (field 2) is in parentheses and may contain spaces and ')'; the
	// fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return procInfo{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3; field N is f[N-3].
	if len(f) < 22 {
		return procInfo{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	num := func(n int) uint64 {
		v, _ := strconv.ParseUint(string(f[n-3]), 10, 64)
		return v
	}
	rss, _ := strconv.ParseInt(string(f[24-3]), 10, 64)
	return procInfo{
		PID:        pid,
		State:      f[0][0],
		Session:    int(num(6)),
		CPUTicks:   num(14) + num(15) + num(16) + num(17),
		StartTicks: num(22),
		RSSPages:   rss,
	}, nil
}

// exited reports whether the process state is a dead one (zombie or dead).
func (p procInfo) exited() bool { return p.State == 'Z' || p.State == 'X' }

// alive reports whether the process pid that started at startTicks is still
// running. A zombie is not running: it has exited and waits to be reaped.
func alive(pid int, startTicks uint64) bool {
	if pid <= 0 {
		return false
	}
	p, err := readStat(pid)
	return err == nil && p.StartTicks == startTicks && !p.exited()
}

// sessionMembers returns the processes of the session whose leader is pid.
// Each container runs in its own session, so this is the container's process
// tree, wherever its members have moved between process groups.
func sessionMembers(pid int) []procInfo { return membersOfSessions([]int{pid}) }

// membersOfSessions returns the processes of the sessions leaders lead, in
// one read of /proc however many there are.
func membersOfSessions(leaders []int) []procInfo {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	led := make(map[int]bool, len(leaders))
	for _, l := range leaders {
		led[l] = true
	}
	var out []procInfo
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, err := readStat(n)
		if err != nil || !led[p.Session] || p.exited() {
			continue
		}
		out = append(out, p)
	}
	return out
}

// markedProcess is a live session leader whose environment marks it as the
// main process of container ContainerID.
type markedProcess struct {
	procInfo
	ContainerID string
}

// markedLeaders returns the live session leaders whose environment names
// owner (see markedEnv), oldest first. Processes of other users, whose
// environment is not readable, are not ours anyway.
func markedLeaders(owner string) []markedProcess {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []markedProcess
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n == os.Getpid() {
			continue
		}
		p, err := readStat(n)
		if err != nil || p.Session != n || p.exited() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		var id, o string
		for kv := range bytes.SplitSeq(b, []byte{0}) {
			switch k, v, _ := bytes.Cut(kv, []byte("=")); string(k) {
			case envContainerID:
				id = string(v)
			case envOwner:
				o = string(v)
			}
		}
		if o == owner && id != "" {
			out = append(out, markedProcess{procInfo: p, ContainerID: id})
		}
	}
	slices.SortStableFunc(out, func(a, b markedProcess) int { return cmp.Compare(a.StartTicks, b.StartTicks) })
	return out
}

// startTime is the wall-clock time of startTicks (field 22 of
// /proc/<pid>/stat), from the boot time in /proc/stat; now if that is
// unreadable.
func startTime(startTicks uint64) time.Time {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Now()
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			if boot, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil {
				return time.Unix(boot, 0).Add(time.Duration(startTicks) * (time.Second / ticksPerSecond))
			}
		}
	}
	return time.Now()
}

// waitChildExit blocks until our child pid has exited but leaves it
// unreaped, so that its pid (and group and session id) cannot be reused
// while the driver cleans up after it.
func waitChildExit(pid int, _ uint64) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// waitExit blocks until the process pid that started at startTicks has
// exited or ctx ends. It works for any process, child or not: it polls a
// pidfd through the runtime's poller, or /proc where pidfds are missing.
func waitExit(ctx context.Context, pid int, startTicks uint64) error {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	if err != nil {
		return pollExit(ctx, pid, startTicks)
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	// The pidfd names whatever process has the pid now; make sure that is
	// ours before waiting on it.
	if !alive(pid, startTicks) {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return pollExit(ctx, pid, startTicks)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	err = rc.Read(func(fd uintptr) bool {
		// A pidfd is readable once its process has exited.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, _ := unix.Poll(fds, 0)
		return n > 0
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return pollExit(ctx, pid, startTicks)
}

// pollExit is waitExit for kernels without pidfd_open (before 5.3).
func pollExit(ctx context.Context, pid int, startTicks uint64) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for alive(pid, startTicks) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
