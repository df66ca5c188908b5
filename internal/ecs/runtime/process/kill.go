//go:build linux || darwin || windows

package process

import "syscall"

// killSession sends sig to the container whose leader is pid, started at
// startTicks: to its process group, and with SIGKILL to every process of its
// session. It never signals a stranger: if pid now names another process,
// the number was reused, which the kernel only does once nothing refers to
// it as a group or session id any more, so nothing of the container is left.
func killSession(pid int, startTicks uint64, sig syscall.Signal) {
	if pid <= 0 {
		return
	}
	p, err := readStat(pid)
	switch {
	case err == nil && p.StartTicks != startTicks:
		return
	case err == nil:
		// The leader is alive or a zombie not yet reaped; either way the
		// group id is still its own.
		_ = killGroup(pid, sig)
	}
	if sig != syscall.SIGKILL {
		return
	}
	// Two passes: a process forked during the first scan is caught by the
	// second.
	for range 2 {
		for _, m := range sessionMembers(pid) {
			signalPID(m.PID, sig)
		}
	}
}
