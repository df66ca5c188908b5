//go:build !linux

package evloop

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// Supported reports whether this platform has event loops (Linux only):
// elsewhere servers keep a goroutine per connection.
const Supported = false

var errUnsupported = errors.New("evloop: event loops are Linux only")

// Group is never made here.
type Group struct{}

// Task is never made here.
type Task struct{}

// Loop is never made here.
type Loop struct{}

// Conn is never made here.
type Conn struct{ net.Conn }

func NewGroup(int) (*Group, error)                             { return nil, errUnsupported }
func (g *Group) Listen(net.Listener, func(*Task, *Conn)) error { return errUnsupported }
func (g *Group) Stop()                                         {}
func WithTask(ctx context.Context, _ *Task) context.Context    { return ctx }
func TaskOf(context.Context) *Task                             { return nil }
func (c *Conn) Bind(*Task)                                     {}
func (c *Conn) Detach() (net.Conn, error)                      { return nil, errUnsupported }
func (t *Task) Loop() *Loop                                    { return nil }
func (t *Task) Dial(context.Context, string, time.Time) (*Conn, error) {
	return nil, errUnsupported
}

// Block calls f.
func Block(_ context.Context, f func()) { f() }

// OffLoop returns rc.
func OffLoop(_ context.Context, rc io.ReadCloser) io.ReadCloser { return rc }
