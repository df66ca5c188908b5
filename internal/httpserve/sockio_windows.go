package httpserve

import "syscall"

// recvPeek cannot peek without blocking on Windows, whose sockets Go runs
// overlapped rather than non-blocking: it reports "nothing yet", which
// reads as an open, idle connection.
func recvPeek(uintptr, []byte) (int, error) { return -1, syscall.EAGAIN }

// writeFD writes nothing on Windows and says the socket is full, so that
// the caller sends through the net.Conn the ordinary way.
func writeFD(uintptr, []byte) (int, error) { return 0, syscall.EAGAIN }
