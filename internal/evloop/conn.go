//go:build linux

package evloop

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Conn is a TCP connection owned by a loop: a net.Conn whose reads and
// writes, when they would block, hand control to the loop until the
// socket is ready. Its task is the coroutine that waits: a served
// connection's own, or, for a connection the handler dialled, the task
// it is bound to (Bind).
type Conn struct {
	loop          *Loop
	fd            int
	task          *Task
	local, remote net.Addr

	closed atomic.Bool
	// readDeadline is set by the owner, or by any goroutine to interrupt
	// a wait (a time in the past); unix nanoseconds, 0: none.
	readDeadline  atomic.Int64
	writeDeadline int64

	// The loop's side, touched only on its goroutine.
	readable, writable bool  // an edge seen and not yet used up
	ended              bool  // the peer closed (or the socket failed)
	waiter             *Task // the task waiting on this socket
	waitWrite          bool  // ... to write (else to read)
	waitDeadline       time.Time
	timedIndex         int
	timedOut           bool
	watchOut           bool // EPOLLOUT is in the interest set
	gone               bool // the descriptor is closed
}

func (l *Loop) adopt(fd int, local, remote net.Addr) (*Conn, error) {
	c := &Conn{loop: l, fd: fd, local: local, remote: remote, timedIndex: -1, readable: true, writable: true}
	// Edge-triggered: a socket is read until it would block before its
	// task waits, so each later arrival is an edge.
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return nil, err
	}
	for len(l.conns) <= fd {
		l.conns = append(l.conns, nil)
	}
	l.conns[fd] = c
	return c, nil
}

// ready records an event and resumes the task waiting for it.
func (c *Conn) ready(events uint32) {
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		c.readable = true
	}
	if events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		// The peer's close (or an error) is reported once, often with
		// the last bytes: it stays readable after they are read.
		c.ended = true
	}
	if events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		c.writable = true
	}
	if c.waiter != nil && (c.waitWrite && c.writable || !c.waitWrite && c.readable) {
		c.wakeWaiter()
	}
}

func (c *Conn) wakeWaiter() {
	t := c.waiter
	c.waiter = nil
	c.loop.removeTimed(c)
	c.loop.run(t)
}

// Bind makes t the task that waits on c. A connection a handler dials
// (Dial) is bound to the handler's task for each request it carries.
func (c *Conn) Bind(t *Task) { c.task = t }

// Loop is the loop c belongs to.
func (c *Conn) Loop() *Loop { return c.loop }

// wait hands control to the loop until c is readable (or writable), its
// deadline passes, or it is closed.
func (c *Conn) wait(write bool) error {
	t := c.task
	if t == nil || t.loop != c.loop {
		return ErrNoTask
	}
	if c.closed.Load() {
		return net.ErrClosed
	}
	var deadline int64
	if write {
		deadline = c.writeDeadline
		if !c.watchOut {
			ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(c.fd)}
			if err := unix.EpollCtl(c.loop.ep, unix.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
				return err
			}
			c.watchOut = true
		}
	} else {
		deadline = c.readDeadline.Load()
	}
	if deadline != 0 {
		c.waitDeadline = time.Unix(0, deadline)
		if !c.waitDeadline.After(time.Now()) {
			return os.ErrDeadlineExceeded
		}
		c.loop.addTimed(c)
	}
	c.waiter, c.waitWrite, c.timedOut = t, write, false
	if !t.yield(struct{}{}) {
		return net.ErrClosed // the task is being stopped
	}
	switch {
	case c.closed.Load():
		return net.ErrClosed
	case c.timedOut:
		return os.ErrDeadlineExceeded
	}
	return nil
}

// Read reads what is there, waiting for the loop if nothing is.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if c.closed.Load() {
			return 0, c.opError("read", net.ErrClosed)
		}
		if !c.readable {
			if err := c.wait(false); err != nil {
				return 0, c.opError("read", err)
			}
			continue
		}
		n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(c.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch errno {
		case 0:
			// A short read drained the socket: the next arrival is an
			// edge, and until then a read would find nothing.
			c.readable = int(n) == len(p) || c.ended
			if n == 0 {
				c.readable = true // end of stream stays readable
				return 0, io.EOF
			}
			return int(n), nil
		case unix.EAGAIN:
			c.readable = c.ended
		case unix.EINTR:
		default:
			return 0, c.opError("read", os.NewSyscallError("read", errno))
		}
	}
}

// Write writes p whole, waiting for the loop while the socket is full.
func (c *Conn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		if c.closed.Load() {
			return sent, c.opError("write", net.ErrClosed)
		}
		if !c.writable {
			if err := c.wait(true); err != nil {
				return sent, c.opError("write", err)
			}
			continue
		}
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(unsafe.Pointer(&p[sent])), uintptr(len(p)-sent), unix.MSG_NOSIGNAL, 0, 0)
		switch errno {
		case 0:
			sent += int(n)
		case unix.EAGAIN:
			c.writable = false
		case unix.EINTR:
		default:
			return sent, c.opError("write", os.NewSyscallError("write", errno))
		}
	}
	return sent, nil
}

func (c *Conn) opError(op string, err error) error {
	if err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}

// Close closes c; from any goroutine. The descriptor is closed on the
// loop, after the task waiting on it (if any) has been woken to find it
// closed.
func (c *Conn) Close() error {
	if !c.closed.Swap(true) {
		// Once the loop has stopped, it has closed every descriptor.
		c.loop.post(c.closeNow)
	}
	return nil
}

// closeNow runs on the loop.
func (c *Conn) closeNow() {
	if c.gone {
		return
	}
	if c.waiter != nil {
		c.wakeWaiter()
	}
	c.gone = true
	c.loop.conns[c.fd] = nil
	unix.Close(c.fd) // leaves the epoll set with its last descriptor
}

// CloseWrite shuts down the sending side (the linger before a close).
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	return unix.Shutdown(c.fd, unix.SHUT_WR)
}

func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline may be called from any goroutine: a deadline already
// past wakes a read waiting now (the way a server interrupts one).
func (c *Conn) SetReadDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.readDeadline.Store(ns)
	if ns != 0 && !t.After(time.Now()) {
		c.loop.post(c.interrupt)
	}
	return nil
}

// interrupt runs on the loop: a read waiting past its deadline ends.
func (c *Conn) interrupt() {
	if c.waiter != nil && !c.waitWrite {
		if d := c.readDeadline.Load(); d != 0 && d <= time.Now().UnixNano() {
			c.timedOut = true
			c.wakeWaiter()
		}
	}
}

// SetWriteDeadline is for the owner only.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.writeDeadline = 0
	if !t.IsZero() {
		c.writeDeadline = t.UnixNano()
	}
	return nil
}

// SyscallConn exposes the descriptor (syscall.Conn), with Read and Write
// waiting through the loop as c's do.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return rawConn{c}, nil }

type rawConn struct{ c *Conn }

func (r rawConn) Control(f func(fd uintptr)) error {
	if r.c.closed.Load() {
		return net.ErrClosed
	}
	f(uintptr(r.c.fd))
	return nil
}

// Read calls f until it reports done, waiting for readability between
// calls. An edge seen since f last found nothing is tried at once.
func (r rawConn) Read(f func(fd uintptr) bool) error {
	c := r.c
	for {
		if c.closed.Load() {
			return net.ErrClosed
		}
		if f(uintptr(c.fd)) {
			return nil
		}
		if c.readable {
			// f may have sent rather than read (a proxy's request, then a
			// wait for the answer): what arrived before it is still there.
			c.readable = c.ended
			if f(uintptr(c.fd)) {
				return nil
			}
		}
		if c.ended {
			continue // f has not read the end yet
		}
		c.readable = false
		if err := c.wait(false); err != nil {
			return err
		}
		c.readable = c.ended
	}
}

func (r rawConn) Write(f func(fd uintptr) bool) error {
	c := r.c
	for {
		if c.closed.Load() {
			return net.ErrClosed
		}
		if f(uintptr(c.fd)) {
			return nil
		}
		c.writable = false
		if err := c.wait(true); err != nil {
			return err
		}
	}
}
