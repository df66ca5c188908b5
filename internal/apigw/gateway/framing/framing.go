// Package framing finds HTTP/1.1 requests whose body framing two parsers
// could read differently: those that carry both Content-Length and
// Transfer-Encoding.
//
// net/http follows RFC 9112 §6.1 for such a request: it drops the
// Content-Length and reads the body as chunked, and the handler never sees
// that there were two. An intermediary that forwards it is then the one
// place where a front end and a back end may disagree on where the request
// ends (request smuggling). The gateway refuses such requests instead, as
// the RFC allows, so it needs to know which requests they were: this
// package watches the raw bytes a connection reads, following the framing
// of each request in turn, and tells the handler whether the request it is
// serving was one of them.
package framing

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/portolan/portolan/internal/httpserve"
)

// Ambiguous reports whether r carried both Content-Length and
// Transfer-Encoding, whichever server read it: httpserve marks such
// requests itself; behind net/http, a Listener's Conn finds them.
func Ambiguous(r *http.Request) bool {
	if amb, served := httpserve.Ambiguous(r); served {
		return amb
	}
	c := FromContext(r.Context())
	return c != nil && r.ProtoMajor == 1 && c.Next()
}

// Listener wraps every accepted connection in a *Conn.
type Listener struct{ net.Listener }

// Accept waits for the next connection and wraps it.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c, ambiguous: -1}, nil
}

// Conn follows the framing of the requests read from a connection.
type Conn struct {
	net.Conn

	mu        sync.Mutex
	scan      scanner
	ambiguous int // index of the first request with both framings, or -1
	served    int // requests handed to Next so far
}

// Read reads from the connection and scans what it read.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.ambiguous < 0 {
			if i, found := c.scan.feed(p[:n]); found {
				c.ambiguous = i
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

// ReadFrom lets net/http hand a response body to the connection's own
// ReadFrom (splice or sendfile on a TCP connection), as it does for an
// unwrapped one.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(c.Conn, r) }

// CloseWrite half-closes the connection where it can, so that net/http
// can let a client read an error answer before the connection goes.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// Next reports whether the next request on the connection, in order,
// carried both Content-Length and Transfer-Encoding. A server calls it
// once for every HTTP/1 request it serves on the connection: net/http
// serves them one after another, each after reading its head, so the
// scanner has always seen the head of the request being asked about.
func (c *Conn) Next() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.served
	c.served++
	return i == c.ambiguous
}

type connKey struct{}

// ConnContext is an http.Server ConnContext that makes the connection
// known to FromContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}

// FromContext returns the request's connection, or nil when it was not
// accepted by a Listener.
func FromContext(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// scanner follows request framing across reads. It only needs to find
// each request head: bodies are skipped by their declared length, chunked
// bodies chunk by chunk. Once the stream is something net/http will refuse
// (or a line is too long to judge), it stops: the server closes such a
// connection after its error answer.
type scanner struct {
	state    state
	line     []byte // the current line so far, at most maxLine bytes
	overlong bool   // the current line went past maxLine
	skip     int64  // body or chunk bytes still to skip
	head     head   // the head being read
	requests int    // heads completed so far
}

type state uint8

const (
	inHead state = iota
	inBody
	inChunkSize
	inChunk
	inTrailer
	stopped
)

// maxLine bounds the part of a line the scanner keeps: enough for the
// names and values it reads (Content-Length, Transfer-Encoding, chunk
// sizes); longer lines are judged by their start.
const maxLine = 256

type head struct {
	started       bool // the request line was read
	http10        bool // net/http ignores Transfer-Encoding in HTTP/1.0
	contentLength int64
	hasLength     bool
	hasCoding     bool
	chunked       bool
	bad           bool // framing net/http refuses
}

// feed scans p. It returns the index of a request whose head had both
// framings, when it finds one.
func (s *scanner) feed(p []byte) (int, bool) {
	for len(p) > 0 {
		switch s.state {
		case stopped:
			return 0, false
		case inBody, inChunk:
			n := min(int64(len(p)), s.skip)
			s.skip -= n
			p = p[n:]
			if s.skip == 0 {
				if s.state == inBody {
					s.state = inHead
				} else {
					s.state = inChunkSize
				}
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return 0, false
		}
		s.keep(p[:i])
		p = p[i+1:]
		line := bytes.TrimSuffix(s.line, []byte("\r"))
		overlong := s.overlong
		s.line, s.overlong = s.line[:0], false
		if found, ok := s.endLine(line, overlong); ok {
			return found, true
		}
	}
	return 0, false
}

func (s *scanner) keep(b []byte) {
	if room := maxLine - len(s.line); room < len(b) {
		b = b[:max(room, 0)]
		s.overlong = true
	}
	s.line = append(s.line, b...)
}

// endLine takes one complete line (without its line ending).
func (s *scanner) endLine(line []byte, overlong bool) (int, bool) {
	switch s.state {
	case inHead:
		if !s.head.started {
			// RFC 9112 §2.2: empty lines before the request line are ignored.
			s.head.started = len(line) > 0
			s.head.http10 = bytes.HasSuffix(line, []byte(" HTTP/1.0"))
			return 0, false
		}
		if len(line) > 0 {
			s.header(line, overlong)
			return 0, false
		}
		h := s.head
		i := s.requests
		s.requests++
		s.head = head{}
		switch {
		case h.hasLength && h.hasCoding:
			s.state = stopped
			return i, true
		case h.bad || h.hasCoding && !h.http10 && !h.chunked:
			s.state = stopped
		case h.chunked && !h.http10:
			s.state = inChunkSize
		case h.contentLength > 0:
			s.state, s.skip = inBody, h.contentLength
		}
	case inChunkSize:
		size := line
		if i := bytes.IndexByte(size, ';'); i >= 0 {
			size = size[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		switch {
		case err != nil || n < 0 || overlong && len(size) == len(line):
			s.state = stopped
		case n == 0:
			s.state = inTrailer
		default:
			s.state, s.skip = inChunk, n+2 // the data, then its CRLF
		}
	case inTrailer:
		if len(line) == 0 {
			s.state = inHead
		}
	}
	return 0, false
}

// header notes the framing a header line declares.
func (s *scanner) header(line []byte, overlong bool) {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return
	}
	value = bytes.TrimSpace(value)
	switch {
	case bytes.EqualFold(name, []byte("Content-Length")):
		n, err := strconv.ParseInt(string(value), 10, 64)
		if err != nil || n < 0 || overlong || s.head.hasLength && n != s.head.contentLength {
			s.head.bad = true
		}
		s.head.hasLength, s.head.contentLength = true, n
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		// net/http accepts exactly one Transfer-Encoding, "chunked".
		s.head.bad = s.head.bad || s.head.hasCoding
		s.head.hasCoding = true
		s.head.chunked = bytes.EqualFold(value, []byte("chunked"))
	}
}
