//go:build linux || darwin || windows

package process

import "syscall"

// killSession sends sig to the container whose leader is pid, started at
// startTicks: to its process group, and with SIGKILL to every process of its
// session. It never signals a stranger: if pid now names another process,
// the number was reused, which the kernel only does once nothing refers to
// it as a group or session id any more, so nothing of the container is left.
func killSession(pid int, startTicks uint64, sig syscall.Signal) {
	if sig == syscall.SIGKILL {
		killSessions([]leader{{pid, startTicks}})
		return
	}
	if pid <= 0 {
		return
	}
	if p, err := readStat(pid); err == nil && p.StartTicks == startTicks {
		_ = killGroup(pid, sig)
	}
}

// killSessions is killSession with SIGKILL for many containers at once: the
// process table is read twice for all of them, not twice for each, which
// is most of what a reset of a hundred tasks would otherwise spend.
func killSessions(leaders []leader) {
	var sessions []int
	for _, l := range leaders {
		if l.pid <= 0 {
			continue
		}
		p, err := readStat(l.pid)
		switch {
		case err == nil && p.StartTicks != l.startTicks:
			continue
		case err == nil:
			// The leader is alive or a zombie not yet reaped; either way
			// the group id is still its own.
			_ = killGroup(l.pid, syscall.SIGKILL)
		}
		sessions = append(sessions, l.pid)
	}
	if len(sessions) == 0 {
		return
	}
	// Two passes: a process forked during the first scan is caught by the
	// second.
	for range 2 {
		for _, m := range membersOfSessions(sessions) {
			signalPID(m.PID, syscall.SIGKILL)
		}
	}
}
