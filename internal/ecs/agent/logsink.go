package agent

import (
	"context"

	"github.com/portolan/portolan/internal/logs"
)

// CloudWatchLogs is the LogSink that ships task output to CloudWatch Logs,
// as the awslogs driver does on ECS. It lives here, not in logs, so that
// logs never imports ecs.
func CloudWatchLogs(l *logs.Control) LogSink { return cloudWatchLogs{l} }

type cloudWatchLogs struct{ logs *logs.Control }

func (c cloudWatchLogs) OpenStream(ctx context.Context, group, stream string) (LogStream, error) {
	w, err := c.logs.NewWriter(ctx, group, stream)
	if err != nil {
		return nil, err
	}
	return logStream{w}, nil
}

// logStream adapts a logs.Writer, whose Close flushes under a context, to
// LogStream: the agent closes a stream when its task is done, with no
// request context left to bound the final flush.
type logStream struct{ *logs.Writer }

func (s logStream) Close() error { return s.Writer.Close(context.Background()) }
