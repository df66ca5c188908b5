//go:build linux

// Package evloop runs connection handlers written as ordinary blocking
// code on event loops, as nginx's workers run theirs: one goroutine per
// loop waits in epoll_wait on every socket the loop owns, and each
// connection's handler runs as a coroutine (iter.Pull) that the loop
// resumes when one of its sockets is ready and that hands control back
// when a read or write would block.
//
// Why: with a goroutine per connection, each request a proxy serves
// parks and wakes two goroutines through the runtime's scheduler and its
// netpoller, which costs about a tenth more CPU per request than nginx's
// loop (docs/benchmarks.md, issue 20). Switching to and from a coroutine
// costs about 75 ns and bypasses the scheduler; the loop's epoll_wait
// takes everything that is ready at once.
//
// A Conn belongs to one loop: every system call on its descriptor is
// made from that loop's goroutine or from a coroutine it is running, so
// none races with the descriptor's close. Close, and a read deadline in
// the past (an interruption), may come from any goroutine: they are
// posted to the loop, which acts on them between coroutines. A Conn used
// outside any coroutine (a handler that hands it to a goroutine of its
// own) must first be Detached into an ordinary net.Conn.
//
// A coroutine that blocks on anything but a Conn of its loop (a channel,
// a lock held long, an ordinary net.Conn) holds up its loop until it
// returns, so handlers keep such waits off the common path.
package evloop

import (
	"context"
	"errors"
	"io"
	"iter"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Supported reports whether this platform has event loops (Linux).
const Supported = true

// ErrNoTask is a Conn's wait outside a coroutine of its loop.
var ErrNoTask = errors.New("evloop: a connection of a loop used outside its coroutines")

// deadlineScan is how often the loop looks for waits past their
// deadlines while any wait has one: the deadlines' resolution.
const deadlineScan = 10 * time.Millisecond

// Loop is one event loop: its epoll instance, the connections it owns by
// descriptor, and what other goroutines have posted to it.
type Loop struct {
	ep    int
	wake  int // an eventfd in the epoll set: posts write it
	conns []*Conn

	mu      sync.Mutex
	posted  []func()
	running []func() // posted, being run (reused)
	stopped bool

	// timed are the waits with a deadline (each Conn knows its index).
	timed     []*Conn
	listeners []*acceptor
	lastScan  time.Time
	events    []unix.EpollEvent
}

// Task is a coroutine of a loop: a connection's handler.
type Task struct {
	loop   *Loop
	resume func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool
	done   bool
}

type taskKey struct{}

// WithTask returns ctx carrying t, for code below a handler that dials
// its own connections on t's loop (TaskOf).
func WithTask(ctx context.Context, t *Task) context.Context {
	return context.WithValue(ctx, taskKey{}, t)
}

// TaskOf is the task ctx carries, or nil.
func TaskOf(ctx context.Context) *Task {
	t, _ := ctx.Value(taskKey{}).(*Task)
	return t
}

// Loop is the loop t runs on.
func (t *Task) Loop() *Loop { return t.loop }

func newLoop() (*Loop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return nil, err
	}
	l := &Loop{ep: ep, wake: wake, events: make([]unix.EpollEvent, 256)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

func (l *Loop) release() {
	unix.Close(l.wake)
	unix.Close(l.ep)
}

// post runs f on the loop's goroutine, between coroutines. It reports
// false once the loop has stopped.
func (l *Loop) post(f func()) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	first := len(l.posted) == 0
	l.posted = append(l.posted, f)
	l.mu.Unlock()
	if first {
		var one = [8]byte{1}
		unix.Write(l.wake, one[:])
	}
	return true
}

// start runs handler as a new task on the loop; it is called on the
// loop's goroutine.
func (l *Loop) start(handler func(*Task)) {
	t := &Task{loop: l}
	t.resume, t.stop = iter.Pull(func(yield func(struct{}) bool) {
		t.yield = yield
		handler(t)
	})
	l.run(t)
}

// run resumes t until it waits again or ends.
func (l *Loop) run(t *Task) {
	if t.done {
		return
	}
	if _, more := t.resume(); !more {
		t.done = true
	}
}

// serve is the loop's goroutine: it waits for events and resumes the
// tasks waiting for them until stop is called and every connection is
// gone.
func (l *Loop) serve() {
	defer l.release()
	for {
		timeout := -1
		if len(l.timed) > 0 {
			timeout = int(deadlineScan / time.Millisecond)
		}
		n, err := l.wait(timeout)
		if err != nil && err != unix.EINTR {
			panic("evloop: epoll_wait: " + err.Error())
		}
		for i := range n {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if ev.Pad == listenerTag {
				l.acceptOn(fd)
				continue
			}
			if fd == l.wake {
				if !l.runPosted() {
					return
				}
				continue
			}
			if fd < len(l.conns) {
				if c := l.conns[fd]; c != nil {
					c.ready(ev.Events)
				}
			}
		}
		if len(l.timed) > 0 {
			l.expire(time.Now())
		}
	}
}

func (l *Loop) acceptOn(fd int) {
	for _, a := range l.listeners {
		if a.fd == fd {
			a.accept()
			return
		}
	}
}

// wait is epoll_wait: first without blocking, as a raw system call (no
// scheduler bookkeeping when events are already there), then, if none
// were, blocking, as a system call the runtime knows may block, so that
// it can give the processor to other goroutines meanwhile.
func (l *Loop) wait(timeout int) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(l.ep), uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	if n > 0 || timeout == 0 {
		return int(n), nil
	}
	return unix.EpollWait(l.ep, l.events, timeout)
}

// runPosted runs what was posted; false: the loop is to end.
func (l *Loop) runPosted() bool {
	var b [8]byte
	unix.Read(l.wake, b[:])
	l.mu.Lock()
	l.running, l.posted = l.posted, l.running[:0]
	stopped := l.stopped
	l.mu.Unlock()
	for i, f := range l.running {
		f()
		l.running[i] = nil
	}
	return !stopped
}

// expire wakes the waits past their deadlines, every deadlineScan.
func (l *Loop) expire(now time.Time) {
	if now.Sub(l.lastScan) < deadlineScan {
		return
	}
	l.lastScan = now
	for i := 0; i < len(l.timed); {
		c := l.timed[i]
		if c.waitDeadline.After(now) {
			i++
			continue
		}
		c.timedOut = true
		c.wakeWaiter() // removes c from timed
	}
}

func (l *Loop) addTimed(c *Conn) {
	c.timedIndex = len(l.timed)
	l.timed = append(l.timed, c)
}

func (l *Loop) removeTimed(c *Conn) {
	i := c.timedIndex
	if i < 0 {
		return
	}
	last := len(l.timed) - 1
	l.timed[i] = l.timed[last]
	l.timed[i].timedIndex = i
	l.timed[last] = nil
	l.timed = l.timed[:last]
	c.timedIndex = -1
}

// Group is a set of loops, one per processor the runtime uses, that
// connections are spread over.
type Group struct {
	loops []*Loop
	next  int
	mu    sync.Mutex
	wg    sync.WaitGroup
}

// NewGroup starts n loops (GOMAXPROCS when n ≤ 0).
func NewGroup(n int) (*Group, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	g := &Group{}
	for range n {
		l, err := newLoop()
		if err != nil {
			g.Stop()
			return nil, err
		}
		g.loops = append(g.loops, l)
		g.wg.Add(1)
		go func() { defer g.wg.Done(); l.serve() }()
	}
	return g, nil
}

// pick is the loop for the next connection, in turn.
func (g *Group) pick() *Loop {
	g.mu.Lock()
	l := g.loops[g.next%len(g.loops)]
	g.next++
	g.mu.Unlock()
	return l
}

// Stop ends the loops once what was posted before has run, and waits for
// them. Connections still open are closed, and their tasks stopped.
func (g *Group) Stop() {
	for _, l := range g.loops {
		l.post(l.closeAll)
		l.mu.Lock()
		l.stopped = true
		l.mu.Unlock()
		var one = [8]byte{1}
		unix.Write(l.wake, one[:])
	}
	g.wg.Wait()
}

// closeAll closes every connection of the loop and stops their tasks.
func (l *Loop) closeAll() {
	for _, c := range l.conns {
		if c != nil {
			c.closed.Store(true)
			c.closeNow()
		}
	}
}

// Block runs f on a goroutine of its own and waits for it through the
// loop, when ctx carries a task; otherwise it just calls f. It is for a
// call that waits on anything but the loop's own connections (a
// resolver, another client's connection, a lock that such a call may
// hold while it waits), which would hold up every task of the loop, or
// deadlock it, if made in the task. A panic in f is raised again in the
// caller.
func Block(ctx context.Context, f func()) {
	t := TaskOf(ctx)
	if t == nil {
		f()
		return
	}
	var done bool
	var failure any
	go func() {
		defer func() {
			failure = recover()
			// A loop stopped meanwhile resumes nothing: servers stop
			// their loops only once every task has ended.
			t.loop.post(func() { done = true; t.loop.run(t) })
		}()
		f()
	}()
	for !done {
		if !t.yield(struct{}{}) {
			return
		}
	}
	if failure != nil {
		panic(failure)
	}
}

// OffLoop returns rc with its Read and Close made through Block when ctx
// carries a task (rc itself otherwise): the body of an answer read from
// a connection the loop does not own, such as an http.Transport's.
func OffLoop(ctx context.Context, rc io.ReadCloser) io.ReadCloser {
	if TaskOf(ctx) == nil {
		return rc
	}
	return offLoop{ctx, rc}
}

type offLoop struct {
	ctx context.Context
	rc  io.ReadCloser
}

func (o offLoop) Read(p []byte) (n int, err error) {
	Block(o.ctx, func() { n, err = o.rc.Read(p) })
	return n, err
}

func (o offLoop) Close() (err error) {
	Block(o.ctx, func() { err = o.rc.Close() })
	return err
}
