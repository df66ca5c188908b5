package sockio

import (
	"net"
	"os"
	"syscall"
)

// Writer writes a net.Conn, with raw system calls where the package can
// (see the package comment), waiting in the netpoller while the socket's
// buffer is full; its write deadlines hold as the connection's do. A
// Writer is for one goroutine at a time.
type Writer struct {
	nc  net.Conn
	raw syscall.RawConn // nil: write through nc

	// The current write, for writeOnce (a method value made once).
	writeOnce func(fd uintptr) bool
	p         []byte
	n         int
	err       error
}

// NewWriter returns a Writer of nc.
func NewWriter(nc net.Conn) *Writer {
	w := &Writer{nc: nc}
	if sc, ok := nc.(syscall.Conn); ok && rawCalls {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
			w.writeOnce = w.tryWrite
		}
	}
	return w
}

// Write writes all of p, as net.Conn's Write does: it returns early only
// with an error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.raw == nil || len(p) == 0 {
		return w.nc.Write(p)
	}
	w.p, w.n, w.err = p, 0, nil
	err := w.raw.Write(w.writeOnce)
	n, werr := w.n, w.err
	w.p, w.err = nil, nil
	switch {
	case err != nil:
		return n, err
	case werr != nil:
		return n, &net.OpError{Op: "write", Net: w.nc.LocalAddr().Network(), Source: w.nc.LocalAddr(), Addr: w.nc.RemoteAddr(), Err: os.NewSyscallError("write", werr)}
	}
	return n, nil
}

// tryWrite is the RawConn.Write callback: as much of the rest as the
// socket takes, done unless its buffer filled first.
func (w *Writer) tryWrite(fd uintptr) bool {
	sent, err := WriteAll(fd, w.p[w.n:])
	w.n += sent
	if err == syscall.EAGAIN {
		return false
	}
	w.err = err
	return true
}
