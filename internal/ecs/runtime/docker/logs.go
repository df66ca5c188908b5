package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Logs implements runtime.Driver with the engine's logs, timestamped by the
// engine. A cursor is a line's timestamp; resuming asks the engine for the
// lines since then and drops those not after it.
func (d *Driver) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine) error) error {
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return err
	}
	var after time.Time
	if opts.After != "" {
		if after, err = time.Parse(time.RFC3339Nano, opts.After); err != nil {
			return &runtime.InvalidSpecError{Field: "after", Value: opts.After}
		}
	}
	lo := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Follow: opts.Follow}
	if !after.IsZero() {
		lo.Since = opts.After
	}
	rc, err := d.cli.ContainerLogs(ctx, c.ID, lo)
	if err != nil {
		return fmt.Errorf("logs of container %s: %w", id, err)
	}
	defer rc.Close()
	stdout := &lineWriter{stream: runtime.Stdout, after: after, fn: fn}
	stderr := &lineWriter{stream: runtime.Stderr, after: after, fn: fn}
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ce *callbackError
		if errors.As(err, &ce) {
			return ce.err
		}
		return fmt.Errorf("logs of container %s: %w", id, err)
	}
	if err := stdout.flush(); err != nil {
		return err
	}
	return stderr.flush()
}

// lineWriter splits one demultiplexed stream into timestamped lines.
type lineWriter struct {
	stream runtime.Stream
	after  time.Time
	fn     func(runtime.LogLine) error
	buf    []byte
}

// callbackError carries the caller's error through stdcopy untouched.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := w.buf[:i]
		w.buf = w.buf[i+1:]
		if err := w.emit(line); err != nil {
			return 0, &callbackError{err}
		}
	}
}

func (w *lineWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	line := w.buf
	w.buf = nil
	return w.emit(line)
}

// emit hands out one "<RFC3339Nano timestamp> <text>" line.
func (w *lineWriter) emit(line []byte) error {
	ts, text, _ := bytes.Cut(line, []byte(" "))
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		// Not stamped (it should be); keep the text, stamp it now.
		t, text = time.Now(), line
	}
	if !w.after.IsZero() && !t.After(w.after) {
		return nil
	}
	return w.fn(runtime.LogLine{
		Stream: w.stream, Time: t, Text: string(bytes.TrimSuffix(text, []byte("\r"))),
		Cursor: t.UTC().Format(time.RFC3339Nano),
	})
}
