//go:build unix

package upstream

import "syscall"

// recvPeek reads what waits on the socket fd into b without consuming it
// and without blocking.
func recvPeek(fd uintptr, b []byte) (int, error) {
	n, _, err := syscall.Recvfrom(int(fd), b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}

// writeFD writes p to the socket fd directly.
func writeFD(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }
