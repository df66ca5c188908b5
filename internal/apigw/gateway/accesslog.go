package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LogLine is one access log line for a CloudWatch Logs group.
type LogLine struct {
	Time    time.Time
	Message string
}

// LogSink is where access log lines go for a stage's destinationArn: a
// CloudWatch Logs group. It is defined here, by its consumer, so the
// gateway does not depend on the logs service; the server adapts the logs
// service's in-process append to it.
type LogSink interface {
	// Append durably adds lines to the stream of the group, creating both
	// when they do not exist.
	Append(ctx context.Context, group, stream string, lines []LogLine) error
}

// logTarget is a stage's compiled access log settings.
type logTarget struct {
	format []logPart
	group  string // "" when the destination is not a log group ARN
	stream string
}

type logPart struct {
	lit   string
	v     ctxVar
	claim string // for ctxAuthorizerClaim
	// isVar: v is meaningful (a $context variable, possibly unknown).
	isVar bool
}

// compileLogFormat splits a format into literals and $context variables.
// A name runs over letters, digits, '.' and '_' (a trailing '.' ends a
// sentence, not the name); a name the gateway does not know renders "-",
// as an empty variable does.
func compileLogFormat(f string) []logPart {
	var parts []logPart
	const prefix = "$context."
	for {
		i := strings.Index(f, prefix)
		if i < 0 {
			if f != "" {
				parts = append(parts, logPart{lit: f})
			}
			return parts
		}
		if i > 0 {
			parts = append(parts, logPart{lit: f[:i]})
		}
		j := i + len(prefix)
		for j < len(f) && isLogNameByte(f[j]) {
			j++
		}
		if strings.HasPrefix(f[i+len(prefix):], claimPrefix) {
			// Claim names may hold ':' and '-' (cognito:groups).
			for j < len(f) && (isLogNameByte(f[j]) || f[j] == ':' || f[j] == '-') {
				j++
			}
		}
		for j > i+len(prefix) && f[j-1] == '.' {
			j--
		}
		v, claim := lookupCtx(f[i+len(prefix) : j])
		parts = append(parts, logPart{v: v, claim: claim, isVar: true})
		f = f[j:]
	}
}

func isLogNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_'
}

// accessLogger renders lines on the request path and writes them off it:
// a request only appends to a bounded queue, and when the queue is full
// (the writer or the sink cannot keep up) lines are dropped and counted
// rather than slowing requests down.
type accessLogger struct {
	out     io.Writer
	sink    LogSink
	log     *slog.Logger
	queue   chan logEntry
	dropped atomic.Int64
	bufs    sync.Pool
}

type logEntry struct {
	target *logTarget
	at     time.Time
	line   *[]byte
}

const (
	logQueue      = 16384
	logFlushEvery = 200 * time.Millisecond
	logFlushBytes = 256 << 10
)

func newAccessLogger(out io.Writer, sink LogSink, log *slog.Logger) *accessLogger {
	l := &accessLogger{out: out, sink: sink, log: log, queue: make(chan logEntry, logQueue)}
	l.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return l
}

// record renders the stage's format for a finished request and queues it.
func (l *accessLogger) record(rq *request, r *http.Request, accountID string) {
	t := rq.st.log
	bp := l.bufs.Get().(*[]byte)
	b := (*bp)[:0]
	for _, p := range t.format {
		if !p.isVar {
			b = append(b, p.lit...)
			continue
		}
		n := len(b)
		b = appendCtx(b, p.v, p.claim, rq, r, accountID)
		if len(b) == n {
			b = append(b, '-')
		}
	}
	*bp = b
	select {
	case l.queue <- logEntry{target: t, at: rq.start, line: bp}:
	default:
		l.dropped.Add(1)
		l.bufs.Put(bp)
	}
}

// run writes queued lines until ctx ends, then writes what is left.
func (l *accessLogger) run(ctx context.Context) error {
	tick := time.NewTicker(logFlushEvery)
	defer tick.Stop()
	var out []byte
	batches := map[*logTarget][]LogLine{}
	pending := 0
	flush := func(ctx context.Context) {
		if len(out) > 0 {
			if _, err := l.out.Write(out); err != nil {
				l.log.Warn("access log write failed", "err", err)
			}
			out = out[:0]
		}
		if l.sink != nil {
			for t, lines := range batches {
				if err := l.sink.Append(ctx, t.group, t.stream, lines); err != nil {
					l.log.Warn("access log delivery failed", "logGroup", t.group, "lines", len(lines), "err", err)
				}
				delete(batches, t)
			}
		}
		pending = 0
		if n := l.dropped.Swap(0); n > 0 {
			l.log.Warn("access log lines dropped: the writer cannot keep up", "lines", n)
		}
	}
	take := func(e logEntry) {
		out = append(append(out, *e.line...), '\n')
		if l.sink != nil && e.target.group != "" {
			batches[e.target] = append(batches[e.target], LogLine{Time: e.at, Message: string(*e.line)})
			pending++
		}
		l.bufs.Put(e.line)
	}
	for {
		select {
		case e := <-l.queue:
			take(e)
			if len(out) >= logFlushBytes || pending >= 4096 {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			for {
				select {
				case e := <-l.queue:
					take(e)
					continue
				default:
				}
				break
			}
			final, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			flush(final)
			cancel()
			return nil
		}
	}
}
