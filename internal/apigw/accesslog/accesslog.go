// Package accesslog writes the API gateways' access log lines: the HTTP
// API gateway (internal/apigw/gateway) and the REST API gateway
// (internal/restapi/gateway) each render a stage's format for a finished
// request into a pooled buffer and Queue it; Run writes the lines off the
// request path, to a writer (stdout) and, for stages whose destination is
// a log group, to a Sink (CloudWatch Logs).
//
// A request only appends to a bounded queue: when the queue is full (the
// writer or the sink cannot keep up) lines are dropped and counted rather
// than slowing requests down.
package accesslog

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Line is one access log line for a CloudWatch Logs group.
type Line struct {
	Time    time.Time
	Message string
}

// Sink is where access log lines go for a stage's destinationArn: a
// CloudWatch Logs group. It is defined by its consumers, so the gateways
// do not depend on the logs service; the server adapts the logs service's
// in-process append to it.
type Sink interface {
	// Append durably adds lines to the stream of the group, creating the
	// stream when it does not exist. The group must exist: lines for a
	// missing one are refused and dropped, as AWS drops them.
	Append(ctx context.Context, group, stream string, lines []Line) error
}

// Target is where a stage's lines go. Lines are batched per *Target, so
// a stage keeps one for its life.
type Target struct {
	Group  string // "" when the destination is not a log group
	Stream string
}

// Writer queues rendered lines and writes them off the request path.
// Queuing a line takes a lock and an append, and wakes Run only when a
// batch is full: a line per request on a busy stage must not cost a
// goroutine switch per request (a channel send per line did).
type Writer struct {
	out     io.Writer
	sink    Sink
	log     *slog.Logger
	dropped atomic.Int64
	bufs    sync.Pool
	// full wakes Run before its tick (every) when a batch is ready.
	full  chan struct{}
	every time.Duration

	mu      sync.Mutex
	pending []entry // queued lines, oldest first
	bytes   int     // their length together
}

type entry struct {
	target *Target
	at     time.Time
	line   *[]byte
}

const (
	// queueSize bounds the lines waiting for Run; more are dropped.
	queueSize  = 16384
	flushEvery = 200 * time.Millisecond
	// A batch this long, in lines or bytes, is written before the tick.
	flushLines = 4096
	flushBytes = 256 << 10
)

// New returns a Writer to out (nil: nowhere) and, for targets with a
// group, sink (nil: none).
func New(out io.Writer, sink Sink, log *slog.Logger) *Writer {
	if out == nil {
		out = io.Discard
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{out: out, sink: sink, log: log, full: make(chan struct{}, 1), every: flushEvery}
	w.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return w
}

// Buffer returns an empty pooled buffer to render a line into.
func (w *Writer) Buffer() *[]byte {
	bp := w.bufs.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// Queue hands a rendered line (from Buffer) to Run; the Writer owns it
// from then on.
func (w *Writer) Queue(t *Target, at time.Time, line *[]byte) {
	w.mu.Lock()
	if len(w.pending) >= queueSize {
		w.mu.Unlock()
		w.dropped.Add(1)
		w.bufs.Put(line)
		return
	}
	w.pending = append(w.pending, entry{target: t, at: at, line: line})
	w.bytes += len(*line)
	ready := len(w.pending) == flushLines || w.bytes >= flushBytes
	w.mu.Unlock()
	if ready {
		select {
		case w.full <- struct{}{}:
		default: // Run is already told
		}
	}
}

// Next takes the oldest queued line without writing it (tests of the
// rendering use it); false when none is queued.
func (w *Writer) Next() (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return "", false
	}
	e := w.pending[0]
	w.pending = w.pending[1:]
	w.bytes -= len(*e.line)
	s := string(*e.line)
	w.bufs.Put(e.line)
	return s, true
}

// Run writes queued lines every 200 ms, or sooner when a batch is
// full, until ctx ends; then it writes what is left.
func (w *Writer) Run(ctx context.Context) error {
	tick := time.NewTicker(w.every)
	defer tick.Stop()
	b := &batch{w: w, groups: map[*Target][]Line{}}
	for {
		select {
		case <-w.full:
		case <-tick.C:
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			b.write(final)
			cancel()
			return nil
		}
		b.write(ctx)
	}
}

// batch is Run's state: the queue's storage it swaps in for the next
// lines, and the buffers it writes from.
type batch struct {
	w      *Writer
	spare  []entry
	out    []byte
	groups map[*Target][]Line
}

// write takes every queued line and writes it to the writer and, for
// targets with a group, the sink.
func (b *batch) write(ctx context.Context) {
	w := b.w
	w.mu.Lock()
	lines := w.pending
	w.pending, w.bytes = b.spare[:0], 0
	w.mu.Unlock()

	for _, e := range lines {
		b.out = append(append(b.out, *e.line...), '\n')
		if w.sink != nil && e.target.Group != "" {
			b.groups[e.target] = append(b.groups[e.target], Line{Time: e.at, Message: string(*e.line)})
		}
		w.bufs.Put(e.line)
	}
	clear(lines)
	b.spare = lines
	if len(b.out) > 0 {
		if _, err := w.out.Write(b.out); err != nil {
			w.log.Warn("access log write failed", "err", err)
		}
		b.out = b.out[:0]
	}
	for t, lines := range b.groups {
		if err := w.sink.Append(ctx, t.Group, t.Stream, lines); err != nil {
			w.log.Warn("access log delivery failed", "logGroup", t.Group, "lines", len(lines), "err", err)
		}
		delete(b.groups, t)
	}
	if n := w.dropped.Swap(0); n > 0 {
		w.log.Warn("access log lines dropped: the writer cannot keep up", "lines", n)
	}
}
