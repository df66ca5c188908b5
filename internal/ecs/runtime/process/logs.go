package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// maxLine bounds a log line: longer output without a newline is cut into
// lines of this size. It is CloudWatch Logs' limit for one event.
const maxLine = 256 << 10

// Logs implements runtime.Driver by tailing the container's stdout.log and
// stderr.log. Lines of the two streams are interleaved in the order the
// driver reads them, which only approximates the order they were written.
func (d *Driver) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine) error) error {
	h, err := d.handle(id)
	if err != nil {
		return err
	}
	off, err := parseCursor(opts.After)
	if err != nil {
		return err
	}
	t := tailer{fn: fn}
	for i, s := range []runtime.Stream{runtime.Stdout, runtime.Stderr} {
		t.streams[i] = tailStream{stream: s, path: d.logPath(h.rec.ID, s), off: off[i]}
	}
	defer t.close()

	const minPoll, maxPoll = 10 * time.Millisecond, 250 * time.Millisecond
	poll := minPoll
	for {
		// Looked at before reading: whatever the container wrote before it
		// exited is then in the files this pass reads.
		exited := d.exitOf(h) != nil
		n, err := t.pass(exited)
		if err != nil {
			return err
		}
		if n > 0 {
			poll = minPoll
			continue
		}
		if exited || !opts.Follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
		poll = min(2*poll, maxPoll)
	}
}

// tailer reads both log files of a container from given offsets and hands
// out complete lines.
type tailer struct {
	fn      func(runtime.LogLine) error
	streams [2]tailStream
}

type tailStream struct {
	stream runtime.Stream
	path   string
	f      *os.File
	// off is the offset just after the last line handed out; pending holds
	// the bytes read after it that do not make a line yet.
	off     int64
	pending []byte
}

func (t *tailer) close() {
	for i := range t.streams {
		if f := t.streams[i].f; f != nil {
			f.Close()
		}
	}
}

// pass reads what is new in both files and hands out the lines; with final
// it also hands out a last line without a newline. It returns how many
// bytes it read.
func (t *tailer) pass(final bool) (int, error) {
	total := 0
	now := time.Now()
	for i := range t.streams {
		s := &t.streams[i]
		n, err := s.read()
		if err != nil {
			return total, err
		}
		total += n
		for {
			line, ok := s.next(final)
			if !ok {
				break
			}
			err := t.fn(runtime.LogLine{
				Stream: s.stream, Time: now, Text: string(line),
				Cursor: formatCursor(t.streams[0].off, t.streams[1].off),
			})
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

// read appends what the file holds beyond what has been read to pending.
func (s *tailStream) read() (int, error) {
	if s.f == nil {
		f, err := os.Open(s.path)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		s.f = f
	}
	total := 0
	buf := make([]byte, 64<<10)
	for {
		n, err := s.f.ReadAt(buf, s.off+int64(len(s.pending)))
		s.pending = append(s.pending, buf[:n]...)
		total += n
		if errors.Is(err, io.EOF) || n == 0 {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// next takes the next line off pending and advances off past it.
func (s *tailStream) next(final bool) ([]byte, bool) {
	i := bytes.IndexByte(s.pending, '\n')
	var line []byte
	var used int
	switch {
	case i >= 0 && i <= maxLine:
		line, used = s.pending[:i], i+1
	case len(s.pending) >= maxLine:
		line, used = s.pending[:maxLine], maxLine
	case final && len(s.pending) > 0:
		line, used = s.pending, len(s.pending)
	default:
		return nil, false
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	out := bytes.Clone(line)
	s.pending = s.pending[used:]
	s.off += int64(used)
	return out, true
}

// A cursor is the two offsets, stdout's and stderr's, up to which lines
// have been handed out.
func formatCursor(stdout, stderr int64) string { return fmt.Sprintf("%d,%d", stdout, stderr) }

func parseCursor(c string) ([2]int64, error) {
	var off [2]int64
	if c == "" {
		return off, nil
	}
	if _, err := fmt.Sscanf(c, "%d,%d", &off[0], &off[1]); err != nil || off[0] < 0 || off[1] < 0 {
		return off, &runtime.InvalidSpecError{Field: "after", Value: c}
	}
	return off, nil
}
