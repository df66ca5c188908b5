//go:build linux

package evloop

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Listen accepts connections on ln (a TCP listener) from now on, and runs
// handler for each as a task on one of g's loops, in turn, until ln is
// closed or the group stops. The handler owns its Conn and closes it.
// The accepted sockets never enter the runtime's netpoller.
func (g *Group) Listen(ln net.Listener, handler func(*Task, *Conn)) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return errors.New("evloop: the listener is not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	a := &acceptor{g: g, raw: raw, local: ln.Addr(), handler: handler, l: g.loops[0]}
	done := make(chan error, 1)
	if !a.l.post(func() { done <- a.watch() }) {
		return net.ErrClosed
	}
	return <-done
}

// acceptor takes a listener's connections on its loop.
type acceptor struct {
	g       *Group
	l       *Loop
	raw     syscall.RawConn
	fd      int
	local   net.Addr
	handler func(*Task, *Conn)
}

// watch adds the listener to the loop's epoll set, level-triggered,
// tagged (the event's second word) so that a descriptor number reused
// after the listener closes is not taken for it.
func (a *acceptor) watch() error {
	var err error
	cerr := a.raw.Control(func(fd uintptr) {
		a.fd = int(fd)
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd), Pad: listenerTag}
		err = unix.EpollCtl(a.l.ep, unix.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if cerr != nil {
		return cerr
	}
	if err == nil {
		a.l.listeners = append(a.l.listeners, a)
	}
	return err
}

// listenerTag marks a listener's events.
const listenerTag = 1

// accept takes every connection waiting, on the loop. A listener closed
// since is forgotten (its close took it out of the epoll set).
func (a *acceptor) accept() {
	var stop bool
	err := a.raw.Control(func(fd uintptr) {
		for {
			nfd, sa, err := unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			switch err {
			case nil:
			case unix.EAGAIN:
				return
			case unix.EINTR, unix.ECONNABORTED:
				continue
			default:
				// Out of descriptors, most likely: stop watching for a
				// moment rather than spin on a listener that stays
				// readable.
				unix.EpollCtl(a.l.ep, unix.EPOLL_CTL_DEL, int(fd), nil)
				stop = true
				return
			}
			unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			remote := tcpAddr(sa)
			l := a.g.pick()
			if l == a.l {
				l.startConn(nfd, a.local, remote, a.handler)
			} else if !l.post(func() { l.startConn(nfd, a.local, remote, a.handler) }) {
				unix.Close(nfd)
			}
		}
	})
	if err != nil {
		a.forget()
		return
	}
	if stop {
		a.forget()
		time.AfterFunc(100*time.Millisecond, func() { a.l.post(func() { a.watch() }) })
	}
}

func (a *acceptor) forget() {
	for i, x := range a.l.listeners {
		if x == a {
			a.l.listeners = append(a.l.listeners[:i], a.l.listeners[i+1:]...)
			return
		}
	}
}

func (l *Loop) startConn(fd int, local, remote net.Addr, handler func(*Task, *Conn)) {
	c, err := l.adopt(fd, local, remote)
	if err != nil {
		return
	}
	l.start(func(t *Task) {
		c.task = t
		handler(t, c)
	})
}

func tcpAddr(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)))
	case *unix.SockaddrInet6:
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)))
	}
	return &net.TCPAddr{}
}

// Dial connects to addr ("ip:port") from t's loop, waiting for the
// connection through the loop; the Conn is bound to t. A name (not an
// address) is resolved first, through the resolver's own wait.
func (t *Task) Dial(ctx context.Context, addr string, deadline time.Time) (*Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		host, port, serr := net.SplitHostPort(addr)
		if serr != nil {
			return nil, err
		}
		var ips []netip.Addr
		var rerr error
		Block(WithTask(ctx, t), func() { ips, rerr = net.DefaultResolver.LookupNetIP(ctx, "ip", host) })
		if rerr != nil || len(ips) == 0 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: rerr}
		}
		ap, err = netip.ParseAddrPort(net.JoinHostPort(ips[0].Unmap().String(), port))
		if err != nil {
			return nil, err
		}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	// Keep-alive probes after 30 s idle, as net.Dialer's default.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 30)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 30)
	remote := net.TCPAddrFromAddrPort(ap)
	opErr := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Addr: remote, Err: err} }
	err = unix.Connect(fd, sa)
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return nil, opErr(os.NewSyscallError("connect", err))
	}
	c, aerr := t.loop.adopt(fd, nil, remote)
	if aerr != nil {
		return nil, opErr(aerr)
	}
	c.task = t
	if err == unix.EINPROGRESS {
		c.writable = false
		c.writeDeadline = 0
		if !deadline.IsZero() {
			c.writeDeadline = deadline.UnixNano()
		}
		werr := c.wait(true)
		c.writeDeadline = 0
		if werr == nil {
			if soerr, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); gerr != nil {
				werr = gerr
			} else if soerr != 0 {
				werr = os.NewSyscallError("connect", unix.Errno(soerr))
			}
		}
		if werr != nil {
			c.Close()
			return nil, opErr(werr)
		}
	}
	if lsa, err := unix.Getsockname(fd); err == nil {
		c.local = tcpAddr(lsa)
	}
	return c, nil
}

// Detach hands c over to the runtime's netpoller, as an ordinary
// net.Conn any goroutine may use (a hijacked connection, say); c is
// closed. It is called from c's task.
func (c *Conn) Detach() (net.Conn, error) {
	if c.closed.Load() {
		return nil, net.ErrClosed
	}
	dup, err := unix.Dup(c.fd)
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	unix.CloseOnExec(dup)
	f := os.NewFile(uintptr(dup), "evloop")
	nc, err := net.FileConn(f)
	f.Close()
	c.Close()
	return nc, err
}
