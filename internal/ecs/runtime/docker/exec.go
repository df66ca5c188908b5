package docker

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Exec implements runtime.Driver with docker exec. When ctx ends first the
// command keeps running inside the container (the engine cannot kill an
// exec), but Exec returns.
func (d *Driver) Exec(ctx context.Context, id string, cmd []string) (runtime.ExecResult, error) {
	if len(cmd) == 0 {
		return runtime.ExecResult{}, &runtime.InvalidSpecError{Field: "command", Value: ""}
	}
	c, err := d.inspectContainer(ctx, id)
	if err != nil {
		return runtime.ExecResult{}, err
	}
	ex, err := d.cli.ExecCreate(ctx, c.ID, client.ExecCreateOptions{AttachStdout: true, AttachStderr: true, Cmd: cmd})
	if err != nil {
		return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, err)
	}
	att, err := d.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, err)
	}
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	defer att.Close()
	var out cappedBuffer
	if _, err := stdcopy.StdCopy(&out, &out, att.Reader); err != nil && ctx.Err() == nil {
		return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, err)
	}
	if ctx.Err() != nil {
		return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, ctx.Err())
	}
	// The stream ends when the command does; the engine records its exit
	// code a moment later.
	for {
		in, err := d.cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, err)
		}
		if !in.Running {
			return runtime.ExecResult{ExitCode: in.ExitCode, Output: out.Bytes()}, nil
		}
		select {
		case <-ctx.Done():
			return runtime.ExecResult{}, fmt.Errorf("exec in container %s: %w", id, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// cappedBuffer keeps the first runtime.MaxExecOutput bytes written to it.
type cappedBuffer struct{ b bytes.Buffer }

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if n := runtime.MaxExecOutput - c.b.Len(); n > 0 {
		c.b.Write(p[:min(n, len(p))])
	}
	return len(p), nil
}

func (c *cappedBuffer) Bytes() []byte { return c.b.Bytes() }
