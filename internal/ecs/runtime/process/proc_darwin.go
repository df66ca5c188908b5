package process

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// procState reads the process's creation time (milliseconds since the
// epoch) and whether it is a zombie, from sysctl kern.proc.pid.
func procState(pid int) (start uint64, exited bool, err error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, false, err
	}
	if int(k.Proc.P_pid) != pid {
		return 0, false, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	t := k.Proc.P_starttime
	const zombie = 5 // SZOMB in <sys/proc.h>
	return uint64(t.Sec)*1000 + uint64(t.Usec)/1000, k.Proc.P_stat == zombie, nil
}

// newSession makes a started process the leader of a new session (and
// process group) of its own.
func newSession() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// killGroup sends sig to the process group pgid.
func killGroup(pgid int, sig syscall.Signal) error { return syscall.Kill(-pgid, sig) }

func signalPID(pid int, sig syscall.Signal) { _ = syscall.Kill(pid, sig) }

// isLeader reports whether pid leads a session: a container's main process.
func isLeader(pid int) bool {
	sid, err := unix.Getsid(pid)
	return err == nil && sid == pid
}

// inSession reports whether pid is in the session leader leads.
func inSession(pid, leader int) bool {
	sid, err := unix.Getsid(pid)
	return err == nil && sid == leader
}

// closeOnExecInherited marks every descriptor above stderr close-on-exec
// (see the Linux version for why), listing them from /dev/fd.
func closeOnExecInherited() error { return closeOnExecIn("/dev/fd") }
