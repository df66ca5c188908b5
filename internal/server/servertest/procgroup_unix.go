//go:build unix

package servertest

import (
	"os/exec"
	"syscall"
)

// startInGroup has cmd start in a process group of its own, so that
// signalGroup reaches what it starts too.
func startInGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to the process group of cmd.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) { _ = syscall.Kill(-cmd.Process.Pid, sig) }
