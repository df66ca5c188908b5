//go:build unix

package sockio

import "syscall"

// Peek reads what waits on the socket fd into b without consuming it and
// without blocking.
func Peek(fd uintptr, b []byte) (int, error) {
	n, _, err := syscall.Recvfrom(int(fd), b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}
