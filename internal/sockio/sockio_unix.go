//go:build unix && !linux

package sockio

import "syscall"

// Write writes p to the non-blocking socket fd with one write(2).
func Write(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }

// read is not used off Linux (rawReads is false).
func read(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }

// Peek reads what waits on the socket fd into b without consuming it and
// without blocking.
func Peek(fd uintptr, b []byte) (int, error) {
	n, _, err := syscall.Recvfrom(int(fd), b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}

// rawReads: the Reader reads through net.Conn.
const rawReads = false
