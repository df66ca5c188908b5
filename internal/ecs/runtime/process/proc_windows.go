package process

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// procState reads the process's creation time (milliseconds since the
// epoch) and whether it has exited (a process stays while handles to it
// are open, the driver's among them).
func procState(pid int) (start uint64, exited bool, err error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0, false, err
	}
	defer windows.CloseHandle(h)
	var created, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exit, &kernel, &user); err != nil {
		return 0, false, err
	}
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return 0, false, err
	}
	const stillActive = 259 // STILL_ACTIVE
	return uint64(created.Nanoseconds() / 1e6), code != stillActive, nil
}

// newSession starts a process in a process group of its own, so that a
// Ctrl-C on the server's console does not reach it. Windows has no
// sessions in the Unix sense: a container's processes are its main
// process and its descendants.
func newSession() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup ends the container whose main process is pid. Windows cannot
// deliver SIGTERM to a console-less process, so a stop is a kill: the
// exit code is 128+sig, as Docker reports a death by that signal.
func killGroup(pid int, sig syscall.Signal) error {
	for _, m := range sessionMembers(pid) {
		signalPID(m.PID, sig)
	}
	return nil
}

func signalPID(pid int, sig syscall.Signal) {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	_ = windows.TerminateProcess(h, uint32(128+int(sig)))
}

// isLeader: every marked process may be a container's main process here;
// markedLeaders lists the oldest first, and that one is.
func isLeader(int) bool { return true }

// inSession: Windows has no sessions to find lost descendants by.
func inSession(int, int) bool { return false }

// closeOnExecInherited has nothing to do: Windows passes a child only the
// handles os.StartProcess names.
func closeOnExecInherited() error { return nil }
