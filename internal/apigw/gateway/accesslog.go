package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/portolan/portolan/internal/apigw/accesslog"
)

// LogLine is one access log line for a CloudWatch Logs group.
type LogLine = accesslog.Line

// LogSink is where access log lines go for a stage's destinationArn: a
// CloudWatch Logs group (the server adapts the logs service to it).
type LogSink = accesslog.Sink

// logTarget is a stage's compiled access log settings.
type logTarget struct {
	format []logPart
	dest   accesslog.Target
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

// accessLogger renders lines on the request path; the accesslog.Writer
// writes them off it.
type accessLogger struct{ w *accesslog.Writer }

func newAccessLogger(out io.Writer, sink LogSink, log *slog.Logger) *accessLogger {
	return &accessLogger{accesslog.New(out, sink, log)}
}

// record renders the stage's format for a finished request and queues it.
func (l *accessLogger) record(rq *request, r *http.Request, accountID string) {
	bp := l.w.Buffer()
	*bp = render(*bp, rq, r, accountID)
	l.w.Queue(&rq.st.log.dest, rq.start, bp)
}

// render appends the stage's line for the request to b.
func render(b []byte, rq *request, r *http.Request, accountID string) []byte {
	for _, p := range rq.st.log.format {
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
	return b
}

// run writes queued lines until ctx ends, then writes what is left.
func (l *accessLogger) run(ctx context.Context) error { return l.w.Run(ctx) }
