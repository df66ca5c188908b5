package sockio

import (
	"syscall"
	"unsafe"
)

// Write writes p to the non-blocking socket fd with one send, as a raw
// system call (see the package comment).
func Write(fd uintptr, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall6(sysSend, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), sendFlags, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// read reads into p from the non-blocking socket fd with one receive, as
// a raw system call.
func read(fd uintptr, p []byte) (int, error) {
	n, _, errno := syscall.RawSyscall6(sysRecv, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// rawCalls: the Reader and the Writer make raw calls inside RawConn.Read
// and RawConn.Write.
const rawCalls = true
