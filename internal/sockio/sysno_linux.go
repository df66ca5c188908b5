//go:build linux && !386

package sockio

import "syscall"

// sendto(2) and recvfrom(2) without an address: read(2) and write(2) on a
// socket first go through the file layer (the file-position lock,
// vfs_read/vfs_write, the socket's iterator functions), which these skip.
// MSG_NOSIGNAL makes a write to a closed peer fail with EPIPE without
// raising SIGPIPE, which Go would only ignore.
const (
	sysSend   = syscall.SYS_SENDTO
	sysRecv   = syscall.SYS_RECVFROM
	sendFlags = syscall.MSG_NOSIGNAL
)
