//go:build unix && !linux

package sockio

import "syscall"

// Write writes p to the non-blocking socket fd with one write(2).
func Write(fd uintptr, p []byte) (int, error) { return syscall.Write(int(fd), p) }

// read is never called off Linux (rawCalls is false).
func read(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }

// rawCalls: the Reader and the Writer go through net.Conn.
const rawCalls = false
