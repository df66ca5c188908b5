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
type Writer struct {
	out     io.Writer
	sink    Sink
	log     *slog.Logger
	queue   chan entry
	dropped atomic.Int64
	bufs    sync.Pool
}

type entry struct {
	target *Target
	at     time.Time
	line   *[]byte
}

const (
	queueSize  = 16384
	flushEvery = 200 * time.Millisecond
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
	w := &Writer{out: out, sink: sink, log: log, queue: make(chan entry, queueSize)}
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
	select {
	case w.queue <- entry{target: t, at: at, line: line}:
	default:
		w.dropped.Add(1)
		w.bufs.Put(line)
	}
}

// Next takes the next queued line without writing it (tests of the
// rendering use it); false when none is queued.
func (w *Writer) Next() (string, bool) {
	select {
	case e := <-w.queue:
		s := string(*e.line)
		w.bufs.Put(e.line)
		return s, true
	default:
		return "", false
	}
}

// Run writes queued lines until ctx ends, then writes what is left.
func (w *Writer) Run(ctx context.Context) error {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	var out []byte
	batches := map[*Target][]Line{}
	pending := 0
	flush := func(ctx context.Context) {
		if len(out) > 0 {
			if _, err := w.out.Write(out); err != nil {
				w.log.Warn("access log write failed", "err", err)
			}
			out = out[:0]
		}
		if w.sink != nil {
			for t, lines := range batches {
				if err := w.sink.Append(ctx, t.Group, t.Stream, lines); err != nil {
					w.log.Warn("access log delivery failed", "logGroup", t.Group, "lines", len(lines), "err", err)
				}
				delete(batches, t)
			}
		}
		pending = 0
		if n := w.dropped.Swap(0); n > 0 {
			w.log.Warn("access log lines dropped: the writer cannot keep up", "lines", n)
		}
	}
	take := func(e entry) {
		out = append(append(out, *e.line...), '\n')
		if w.sink != nil && e.target.Group != "" {
			batches[e.target] = append(batches[e.target], Line{Time: e.at, Message: string(*e.line)})
			pending++
		}
		w.bufs.Put(e.line)
	}
	for {
		select {
		case e := <-w.queue:
			take(e)
			if len(out) >= flushBytes || pending >= 4096 {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			for drained := false; !drained; {
				select {
				case e := <-w.queue:
					take(e)
				default:
					drained = true
				}
			}
			final, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			flush(final)
			cancel()
			return nil
		}
	}
}
