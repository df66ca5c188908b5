package servertest

import (
	"os/exec"
	"syscall"
)

// startInGroup has cmd start in a process group of its own.
func startInGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// signalGroup ends cmd: Windows delivers no signals to another console
// process group, so every signal is a kill.
func signalGroup(cmd *exec.Cmd, _ syscall.Signal) { _ = cmd.Process.Kill() }
