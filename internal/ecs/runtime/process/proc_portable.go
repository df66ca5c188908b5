//go:build darwin || windows

package process

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strings"
	"time"

	gp "github.com/shirou/gopsutil/v4/process"
)

// Supervision without /proc, for macOS and Windows. A process is named by
// its pid and its creation time (procState, per OS), which defeats pid
// reuse as field 22 of /proc/<pid>/stat does on Linux; gopsutil lists
// processes and reads their parents, environments and usage. A child is
// waited for by polling, not waitid: on macOS an unreaped child stays a
// zombie, which keeps its pid, and on Windows the os.Process handle does.

func supported() error { return nil }

// procInfo is what the driver knows of a process.
type procInfo struct {
	PID int
	// CPUTicks is the CPU time used, in milliseconds (ticksPerSecond).
	CPUTicks uint64
	// StartTicks is the creation time in milliseconds since the epoch.
	StartTicks uint64
	RSSPages   int64
	// Exited is set for a process that has ended but is not gone yet (a
	// zombie on macOS, a process with open handles on Windows).
	Exited bool
}

func (p procInfo) exited() bool { return p.Exited }

// markedProcess is a live process whose environment marks it as the main
// process of container ContainerID.
type markedProcess struct {
	procInfo
	ContainerID string
}

// ticksPerSecond is the unit of procInfo's times here: milliseconds.
const ticksPerSecond = 1000

// startTime is the wall-clock time of a creation time in StartTicks' unit.
func startTime(startTicks uint64) time.Time { return time.UnixMilli(int64(startTicks)) }

func readStat(pid int) (procInfo, error) {
	start, exited, err := procState(pid)
	if err != nil {
		return procInfo{}, err
	}
	return procInfo{PID: pid, StartTicks: start, Exited: exited}, nil
}

// alive reports whether the process pid created at startTicks still runs.
func alive(pid int, startTicks uint64) bool {
	if pid <= 0 {
		return false
	}
	start, exited, err := procState(pid)
	return err == nil && start == startTicks && !exited
}

// sessionMembers returns the live processes of the container whose main
// process is leader, with their usage: the leader, its descendants, and
// (on macOS) whatever else is in its session, having lost its parent.
func sessionMembers(leader int) []procInfo { return membersOfSessions([]int{leader}) }

// membersOfSessions is sessionMembers for several containers, in one
// listing of the processes.
func membersOfSessions(leaders []int) []procInfo {
	pids, err := gp.Pids()
	if err != nil {
		return nil
	}
	parent := make(map[int]int, len(pids))
	for _, pid := range pids {
		if p, err := gp.NewProcess(pid); err == nil {
			if pp, err := p.Ppid(); err == nil {
				parent[int(pid)] = int(pp)
			}
		}
	}
	member := func(pid int) bool {
		// The chain is bounded: a cycle (pid reuse while listing) ends it.
		for i := 0; pid > 0 && i < 64; i++ {
			for _, leader := range leaders {
				if pid == leader || inSession(pid, leader) {
					return true
				}
			}
			pid = parent[pid]
		}
		return false
	}
	var out []procInfo
	for pid := range parent {
		if !member(pid) {
			continue
		}
		p, err := readStat(pid)
		if err != nil || p.exited() {
			continue
		}
		usage(&p)
		out = append(out, p)
	}
	return out
}

// usage fills in p's CPU time and resident memory.
func usage(p *procInfo) {
	gpp, err := gp.NewProcess(int32(p.PID))
	if err != nil {
		return
	}
	if t, err := gpp.Times(); err == nil {
		p.CPUTicks = uint64((t.User + t.System) * ticksPerSecond)
	}
	if m, err := gpp.MemoryInfo(); err == nil {
		p.RSSPages = int64(m.RSS / uint64(os.Getpagesize()))
	}
}

// markedLeaders returns the live processes that lead a container of
// owner (see markedEnv), oldest first.
func markedLeaders(owner string) []markedProcess {
	pids, err := gp.Pids()
	if err != nil {
		return nil
	}
	var out []markedProcess
	for _, pid := range pids {
		n := int(pid)
		if n == os.Getpid() || !isLeader(n) {
			continue
		}
		p, err := readStat(n)
		if err != nil || p.exited() {
			continue
		}
		gpp, err := gp.NewProcess(pid)
		if err != nil {
			continue
		}
		env, err := gpp.Environ()
		if err != nil {
			continue // another user's process: not ours anyway
		}
		var id, o string
		for _, kv := range env {
			switch k, v, _ := strings.Cut(kv, "="); k {
			case envContainerID:
				id = v
			case envOwner:
				o = v
			}
		}
		if o == owner && id != "" {
			out = append(out, markedProcess{procInfo: p, ContainerID: id})
		}
	}
	slices.SortStableFunc(out, func(a, b markedProcess) int { return cmp.Compare(a.StartTicks, b.StartTicks) })
	return out
}

// exitPoll is how often a wait looks at a process that has not ended.
const exitPoll = 50 * time.Millisecond

// waitChildExit blocks until our child pid has exited, leaving it
// unreaped (see the top of this file).
func waitChildExit(pid int, startTicks uint64) error {
	return waitExit(context.Background(), pid, startTicks)
}

// waitExit blocks until the process pid created at startTicks has exited
// or ctx ends.
func waitExit(ctx context.Context, pid int, startTicks uint64) error {
	t := time.NewTicker(exitPoll)
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
