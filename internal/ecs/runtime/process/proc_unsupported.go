//go:build !linux && !darwin && !windows

package process

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// The process driver supervises through /proc on Linux and through
// sysctl, the Win32 API and gopsutil on macOS and Windows; elsewhere New
// refuses and these are never called.

func supported() error {
	return errors.New("process runtime: only available on Linux, macOS and Windows")
}

type procInfo struct {
	PID        int
	CPUTicks   uint64
	StartTicks uint64
	RSSPages   int64
}

type markedProcess struct {
	procInfo
	ContainerID string
}

const ticksPerSecond = 100

func closeOnExecInherited() error                 { return supported() }
func newSession() *syscall.SysProcAttr            { return nil }
func killGroup(int, syscall.Signal) error         { return supported() }
func readStat(int) (procInfo, error)              { return procInfo{}, supported() }
func alive(int, uint64) bool                      { return false }
func sessionMembers(int) []procInfo               { return nil }
func killSession(int, uint64, syscall.Signal)     {}
func killSessions([]leader)                       {}
func waitChildExit(int, uint64) error             { return supported() }
func waitExit(context.Context, int, uint64) error { return supported() }
func markedLeaders(string) []markedProcess        { return nil }
func startTime(uint64) time.Time                  { return time.Now() }
