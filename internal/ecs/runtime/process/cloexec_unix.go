//go:build linux || darwin

package process

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// closeOnExecIn marks close-on-exec every descriptor above stderr that dir
// (the process's own descriptor directory) lists.
func closeOnExecIn(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue // closed since the listing (e.g. the listing's own fd)
		}
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC)
	}
	return nil
}
