package alb

import "syscall"

// recvPeek cannot peek without blocking on Windows, whose sockets Go runs
// overlapped rather than non-blocking: it reports "nothing yet", which
// reads as an open, idle connection.
func recvPeek(uintptr, []byte) (int, error) { return -1, syscall.EAGAIN }
