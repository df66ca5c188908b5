package accesslog

import (
	"sync/atomic"
	"time"
)

// CLFLayout is $context.requestTime's format: dd/MMM/yyyy:HH:mm:ss +-hhmm.
const CLFLayout = "02/Jan/2006:15:04:05 -0700"

// clfSecond is one second's text in CLFLayout, in one location.
type clfSecond struct {
	unix int64
	loc  *time.Location
	text []byte
}

var lastCLF atomic.Pointer[clfSecond]

// AppendCLF appends t in CLFLayout. The last second's text is kept: a
// busy stage logs many lines a second, all with the same time, and
// formatting it costs more than the rest of a line.
func AppendCLF(dst []byte, t time.Time) []byte {
	unix, loc := t.Unix(), t.Location()
	if s := lastCLF.Load(); s != nil && s.unix == unix && s.loc == loc {
		return append(dst, s.text...)
	}
	s := &clfSecond{unix: unix, loc: loc, text: t.AppendFormat(nil, CLFLayout)}
	lastCLF.Store(s)
	return append(dst, s.text...)
}
