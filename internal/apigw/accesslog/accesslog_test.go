package accesslog

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

type memSink struct {
	mu    sync.Mutex
	lines map[string][]string
}

func (s *memSink) Append(_ context.Context, group, stream string, lines []Line) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lines {
		s.lines[group+"|"+stream] = append(s.lines[group+"|"+stream], l.Message)
	}
	return nil
}

// TestWriter: every queued line reaches the writer, and the lines of a
// target with a group reach the sink under its group and stream, in
// order; what is still queued when Run's context ends is written too.
func TestWriter(t *testing.T) {
	var out bytes.Buffer
	sink := &memSink{lines: map[string][]string{}}
	w := New(&out, sink, nil)
	grouped := &Target{Group: "g", Stream: "api_prod"}
	plain := &Target{}
	for i, line := range []string{"one", "two", "three"} {
		t := grouped
		if i == 1 {
			t = plain
		}
		b := w.Buffer()
		*b = append(*b, line...)
		w.Queue(t, time.Now(), b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if out.String() != "one\ntwo\nthree\n" {
		t.Fatalf("out %q", out.String())
	}
	if got := sink.lines["g|api_prod"]; len(got) != 2 || got[0] != "one" || got[1] != "three" || len(sink.lines) != 1 {
		t.Fatalf("sink %v", sink.lines)
	}
}

// TestWriterDropsWhenFull: a full queue drops lines instead of blocking
// the request that renders them.
func TestWriterDropsWhenFull(t *testing.T) {
	w := New(nil, nil, nil)
	for range queueSize + 10 {
		w.Queue(&Target{}, time.Now(), w.Buffer())
	}
	if n := w.dropped.Load(); n != 10 {
		t.Fatalf("dropped %d, want 10", n)
	}
}

// TestWriterWritesFullBatch: a full batch is written when it fills, not
// at the next tick (which this Writer never reaches), and in one write.
func TestWriterWritesFullBatch(t *testing.T) {
	writes := make(writeLengths, 1)
	w := New(writes, nil, nil)
	w.every = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	for range flushLines {
		b := w.Buffer()
		*b = append(*b, 'x')
		w.Queue(&Target{}, time.Now(), b)
	}
	select {
	case n := <-writes:
		if n != 2*flushLines {
			t.Fatalf("wrote %d bytes, want %d", n, 2*flushLines)
		}
	case err := <-done:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(10 * time.Second): // far longer than a write takes, far shorter than the tick
		t.Fatal("a full batch was not written")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// writeLengths is a writer that hands the length of each write to the
// test.
type writeLengths chan int

func (w writeLengths) Write(p []byte) (int, error) {
	w <- len(p)
	return len(p), nil
}
