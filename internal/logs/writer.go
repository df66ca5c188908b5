package logs

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"
)

// Writer batching. A busy container or a gateway at tens of thousands of
// requests a second must not cost one store commit (one fsync) per line, so
// a Writer only buffers; Run commits every Writer's buffer each
// FlushInterval, or as soon as one holds flushBytes or flushEvents.
const (
	flushEvents = 8192
	flushBytes  = 1 << 20
	// hardBytes is where buffering stops and the logging goroutine commits
	// itself: backpressure rather than unbounded memory when the store
	// cannot keep up (or Run is not running).
	hardBytes = 8 << 20
	// keepBytes bounds what a failing store leaves buffered; beyond it the
	// oldest batch is dropped and the loss is logged.
	keepBytes = 2 * hardBytes
)

// ErrWriterClosed is returned by Write after Close.
var ErrWriterClosed = errors.New("logs: writer closed")

// Writer appends events to one log stream in batches. Its methods are safe
// for concurrent use. Events become readable once flushed: within
// FlushInterval while Control's Run is running, or on Flush and Close.
// Give each output (stdout, stderr) its own Writer, even when they share a
// stream: Write keeps one unterminated line per Writer.
type Writer struct {
	s             *Control
	group, stream string

	mu      sync.Mutex
	pending []rawEvent
	spare   []rawEvent
	bytes   int
	partial []byte
	closed  bool

	// flushMu keeps one flush at a time, so batches land in order.
	flushMu sync.Mutex
}

// NewWriter returns a Writer for the stream, creating the group and the
// stream now if they do not exist, as the awslogs driver does when a
// container starts. If the group is deleted while the Writer is in use, its
// later events are dropped, as PutLogEvents to a deleted group fails: a
// flush that re-created the group would make the next CreateLogGroup of a
// template that tore it down (with the service) fail.
func (s *Control) NewWriter(ctx context.Context, group, stream string) (*Writer, error) {
	if err := s.Append(ctx, group, stream, nil); err != nil {
		return nil, err
	}
	w := &Writer{s: s, group: group, stream: stream}
	s.mu.Lock()
	s.writers[w] = struct{}{}
	s.mu.Unlock()
	return w, nil
}

// Log buffers one event; the zero Time means now. It does not block on the
// store unless the buffer is full. After Close, events are dropped.
func (w *Writer) Log(t time.Time, message string) {
	if t.IsZero() {
		t = time.Now()
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.pending = appendEvent(w.pending, t, t, message)
	w.bytes += len(message) + eventOverhead
	w.mu.Unlock()
	w.buffered()
}

// Write implements io.Writer for a process's output: each line (without
// its newline) is one event stamped with the time it was written. A line
// without its newline yet waits for the rest, up to the event size limit.
func (w *Writer) Write(p []byte) (int, error) {
	n := len(p)
	now := time.Now()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return 0, ErrWriterClosed
	}
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		line := p[:i]
		if len(w.partial) > 0 {
			line = append(w.partial, line...)
			w.partial = w.partial[:0]
		}
		w.pending = appendEvent(w.pending, now, now, string(line))
		w.bytes += len(line) + eventOverhead
		p = p[i+1:]
	}
	w.partial = append(w.partial, p...)
	if len(w.partial) >= maxEventBytes {
		w.pending = appendEvent(w.pending, now, now, string(w.partial))
		w.bytes += len(w.partial) + eventOverhead
		w.partial = nil
	}
	w.mu.Unlock()
	w.buffered()
	return n, nil
}

// buffered reacts to a grown buffer: past flushBytes it asks Run to flush,
// past hardBytes the caller flushes itself.
func (w *Writer) buffered() {
	w.mu.Lock()
	size, count := w.bytes, len(w.pending)
	w.mu.Unlock()
	switch {
	case size >= hardBytes:
		if err := w.Flush(context.Background()); err != nil {
			w.s.log.Error("flush log events", "logGroupName", w.group, "logStreamName", w.stream, "err", err)
		}
	case size >= flushBytes || count >= flushEvents:
		select {
		case w.s.kick <- struct{}{}:
		default:
		}
	}
}

func (w *Writer) dirty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0
}

// Flush commits the buffered events. On failure they stay buffered for the
// next flush (up to a bound), and the error is returned.
func (w *Writer) Flush(ctx context.Context) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	batch, size := w.pending, w.bytes
	w.pending, w.spare, w.bytes = w.spare[:0], nil, 0
	w.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	_, err := w.s.writeEvents(ctx, w.group, w.stream, batch, createStream)
	w.mu.Lock()
	defer w.mu.Unlock()
	if errors.Is(err, errGroupNotFound) {
		w.s.log.Debug("dropping log events: the log group was deleted", "logGroupName", w.group, "events", len(batch))
		return err
	}
	if err == nil {
		// The chunk encoder copied the messages; reuse the slice.
		clear(batch)
		w.spare = batch[:0]
		return nil
	}
	if size+w.bytes <= keepBytes {
		w.pending = append(batch, w.pending...)
		w.bytes += size
	} else {
		w.s.log.Error("dropping log events the store did not take", "logGroupName", w.group, "logStreamName", w.stream, "events", len(batch))
	}
	return err
}

// Close flushes what is buffered, including a final unterminated line, and
// detaches the Writer from Run.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	if len(w.partial) > 0 {
		now := time.Now()
		w.pending = appendEvent(w.pending, now, now, string(w.partial))
		w.partial = nil
	}
	w.mu.Unlock()
	err := w.Flush(ctx)
	w.s.mu.Lock()
	delete(w.s.writers, w)
	w.s.mu.Unlock()
	return err
}
