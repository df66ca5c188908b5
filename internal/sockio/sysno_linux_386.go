package sockio

import "syscall"

// linux/386 reaches the socket calls only through socketcall(2): plain
// write(2) and read(2) here (the extra arguments are ignored).
const (
	sysSend   = syscall.SYS_WRITE
	sysRecv   = syscall.SYS_READ
	sendFlags = 0
)
