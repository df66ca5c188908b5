package sockio

import "syscall"

// Write writes nothing on Windows, whose sockets Go runs overlapped rather
// than non-blocking, and says the socket is full, so that the caller
// sends through the net.Conn the ordinary way.
func Write(uintptr, []byte) (int, error) { return 0, syscall.EAGAIN }

// read is not used on Windows (rawCalls is false).
func read(uintptr, []byte) (int, error) { return 0, syscall.EAGAIN }

// Peek cannot peek without blocking on Windows: it reports "nothing yet",
// which reads as an open, idle connection.
func Peek(uintptr, []byte) (int, error) { return -1, syscall.EAGAIN }

// rawCalls: the Reader and the Writer go through net.Conn.
const rawCalls = false
