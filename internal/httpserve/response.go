package httpserve

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/portolan/portolan/internal/evloop"
)

// bufferBeforeHead is how much of a body is held back before the head
// is written, so a short answer goes out with a Content-Length instead
// of chunked (net/http's bufferBeforeChunkingSize).
const bufferBeforeHead = 2048

// response is the connection's http.ResponseWriter, reset for every
// request. The head is written into the connection's buffered writer
// when the body outgrows bufferBeforeHead, on Flush, or when the handler
// returns; the writer is flushed to the socket when it fills, on Flush,
// and after the last answer to the requests that have arrived.
type response struct {
	c      *conn
	header http.Header
	status int

	wroteHeader bool // WriteHeader was called (or implied by Write)
	headWritten bool // the head is in the buffered writer
	bodyOK      bool // the status and method allow a body
	isHEAD      bool
	chunked     bool
	declared    int64 // the handler's Content-Length, -1: none
	written     int64 // body bytes the handler wrote
	buf         []byte
	closeAfter  bool // the connection ends after this answer
	handlerDone bool
	hijacked    bool
	sentExpect  bool // 100 Continue was sent

	relay   bool // the header is relayed (RelayHead) after the map's fields
	relayed Head // what RelayHead was given, its Fields copied to a reused buffer
}

func (w *response) reset(c *conn) {
	h, buf := w.header, w.buf[:0]
	if h == nil {
		h = http.Header{}
	}
	clear(h)
	*w = response{c: c, header: h, buf: buf, relayed: Head{Fields: w.relayed.Fields[:0]}, declared: -1}
	w.isHEAD = c.req.Method == http.MethodHead
	w.closeAfter = c.req.Close || c.ambiguous
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.hijacked || w.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.writeInterim(code)
		return
	}
	w.wroteHeader, w.status = true, code
	w.bodyOK = bodyAllowed(code)
	if cl := w.header["Content-Length"]; len(cl) > 0 {
		if n, err := strconv.ParseInt(cl[0], 10, 64); err == nil && n >= 0 {
			w.declared = n
		} else {
			delete(w.header, "Content-Length")
		}
	}
}

func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

func (w *response) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !w.bodyOK {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.declared >= 0 && w.written > w.declared {
		return 0, http.ErrContentLength
	}
	if w.isHEAD {
		if !w.headWritten && len(w.buf) < bufferBeforeHead {
			// Only the length matters (for the Content-Length of a HEAD).
			w.buf = append(w.buf, p[:min(len(p), bufferBeforeHead-len(w.buf))]...)
		}
		return len(p), nil
	}
	if !w.headWritten {
		if len(w.buf)+len(p) <= bufferBeforeHead && w.declared < 0 {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.writeHead()
		if err := w.writeChunk(w.buf); err != nil {
			return 0, err
		}
		w.buf = w.buf[:0]
	}
	if err := w.writeChunk(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write for a string, without copying it to bytes first
// when it goes straight to the connection's buffer.
func (w *response) WriteString(s string) (int, error) {
	if !w.wroteHeader && !w.hijacked {
		w.WriteHeader(http.StatusOK)
	}
	if w.headWritten && !w.chunked && !w.isHEAD && w.bodyOK && !w.hijacked &&
		(w.declared < 0 || w.written+int64(len(s)) <= w.declared) {
		w.written += int64(len(s))
		n, err := w.c.bw.WriteString(s)
		if err != nil {
			w.c.broken = true
		}
		return n, err
	}
	if !w.headWritten && w.wroteHeader && w.bodyOK && !w.isHEAD && w.declared < 0 && len(w.buf)+len(s) <= bufferBeforeHead {
		w.written += int64(len(s))
		w.buf = append(w.buf, s...)
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// writeChunk writes body bytes, framed as a chunk when the answer is
// chunked.
func (w *response) writeChunk(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	bw := w.c.bw
	if w.chunked {
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(p)), 16))
		bw.WriteString("\r\n")
	}
	if _, err := bw.Write(p); err != nil {
		w.c.broken = true
		return err
	}
	if w.chunked {
		bw.WriteString("\r\n")
	}
	return nil
}

// Flush sends what the handler wrote so far.
func (w *response) Flush() {
	if w.hijacked {
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headWritten {
		w.writeHead()
		w.writeChunk(w.buf)
		w.buf = w.buf[:0]
	}
	if err := w.c.bw.Flush(); err != nil {
		w.c.broken = true
	}
}

// Hijack hands the connection to the handler (WebSocket and other
// upgrades): the server forgets it and neither reads, writes nor closes
// it again.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.headWritten {
		w.c.bw.Flush()
	}
	w.hijacked = true
	w.c.hijack()
	if ec, ok := w.c.nc.(*evloop.Conn); ok {
		return detach(ec, w.c.br)
	}
	return w.c.nc, bufio.NewReadWriter(w.c.br, w.c.bw), nil
}

// detach hands a hijacked connection of an event loop to the runtime's
// netpoller, for the handler's goroutines: the bytes already read come
// first, then the connection's.
func detach(ec *evloop.Conn, br *bufio.Reader) (net.Conn, *bufio.ReadWriter, error) {
	buffered, _ := br.Peek(br.Buffered())
	nc, err := ec.Detach()
	if err != nil {
		return nil, nil, err
	}
	r := io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), nc)
	return nc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(nc)), nil
}

// finish completes the answer once the handler has returned.
func (w *response) finish() {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headWritten {
		w.writeHead()
		if !w.isHEAD {
			w.writeChunk(w.buf)
		}
	}
	if w.chunked {
		w.writeTrailers()
	}
	if w.declared >= 0 && w.written < w.declared && !w.isHEAD && w.bodyOK {
		// A body shorter than its Content-Length: the client waits for
		// the rest, so only closing ends the answer.
		w.closeAfter = true
	}
}

// writeContinue sends the interim 100 Continue the client waits for
// before sending its body, unless the answer has already begun.
func (w *response) writeContinue() error {
	if w.wroteHeader || w.sentExpect {
		return nil
	}
	w.sentExpect = true
	w.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	return w.c.bw.Flush()
}

// writeInterim sends a 1xx answer (103 Early Hints) with the current
// header.
func (w *response) writeInterim(code int) {
	bw := w.c.bw
	w.writeStatusLine(code)
	w.writeFields(nil)
	bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		w.c.broken = true
	}
}

// writeHead writes the status line and header fields, choosing the
// framing: the handler's Content-Length, the buffered length when the
// handler is done, else chunked (HTTP/1.1) or the end of the connection
// (HTTP/1.0).
func (w *response) writeHead() {
	w.headWritten = true
	h := w.header
	r := &w.c.req
	trailers := h["Trailer"] != nil
	if te := h["Transfer-Encoding"]; te != nil {
		// The server frames the body; a handler's chunked stays chunked.
		delete(h, "Transfer-Encoding")
		trailers = trailers || len(te) > 0 && te[0] == "chunked"
	}
	if httpguts.HeaderValuesContainsToken(h["Connection"], "close") || w.c.srv.closing.Load() {
		w.closeAfter = true
	}
	if !w.bodyOK {
		// The framing is the server's: as net/http, an answer that cannot
		// have a body (1xx, 204, 304) goes without Content-Length (RFC
		// 9110 8.6), whether a handler set one or a relayed head declared
		// one.
		delete(h, "Content-Length")
	}
	var length int64 = -1
	switch {
	case !w.bodyOK:
	case w.declared >= 0:
		length = w.declared
	case w.handlerDone && !trailers && (!w.isHEAD || len(w.buf) > 0):
		length = int64(len(w.buf))
	case r.ProtoAtLeast(1, 1) && !w.isHEAD:
		w.chunked = true
	case !w.isHEAD:
		w.closeAfter = true // HTTP/1.0: the body ends with the connection
	}
	keepAlive10 := false
	if !w.closeAfter && r.ProtoMajor == 1 && r.ProtoMinor == 0 {
		// An HTTP/1.0 client that asked to keep alive (or the connection
		// would have closed already) and gets a length.
		keepAlive10 = length >= 0 || !w.bodyOK || w.isHEAD
		w.closeAfter = !keepAlive10
	}
	w.writeStatusLine(w.status)
	bw := w.c.bw
	if _, ok := h["Date"]; !ok && !w.relayed.HasDate {
		bw.WriteString("Date: ")
		bw.Write(*w.c.srv.dateLine.Load())
		bw.WriteString("\r\n")
	}
	var extra [3]string
	n := 0
	_, typed := h["Content-Type"]
	typed = typed || w.relayed.HasContentType
	encoded := len(h["Content-Encoding"]) > 0 || w.relayed.HasContentEncoding
	if !typed && !encoded && w.bodyOK && len(w.buf) > 0 {
		extra[n] = "Content-Type: " + http.DetectContentType(w.buf)
		n++
	}
	// A handler's Content-Length is among its header fields; a relayed
	// head's is not.
	if length >= 0 && (w.declared < 0 || w.relay) {
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), length, 10))
		bw.WriteString("\r\n")
	}
	if w.chunked {
		extra[n] = "Transfer-Encoding: chunked"
		n++
	}
	switch {
	case w.closeAfter && r.ProtoAtLeast(1, 1) && !httpguts.HeaderValuesContainsToken(h["Connection"], "close"):
		delete(h, "Connection")
		extra[n] = "Connection: close"
		n++
	case keepAlive10 && h["Connection"] == nil:
		extra[n] = "Connection: keep-alive"
		n++
	}
	w.writeFields(extra[:n])
	bw.WriteString("\r\n")
}

func (w *response) writeStatusLine(code int) {
	bw := w.c.bw
	if w.c.req.ProtoAtLeast(1, 1) {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	if line, ok := statusLines[code]; ok {
		bw.WriteString(line)
		return
	}
	bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
	bw.WriteByte(' ')
	bw.WriteString(http.StatusText(code))
	bw.WriteString("\r\n")
}

// statusLines are the status lines of the frequent codes, pre-built.
var statusLines = func() map[int]string {
	m := map[int]string{}
	for _, c := range []int{200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 413, 415, 429, 431, 500, 501, 502, 503, 504} {
		m[c] = strconv.Itoa(c) + " " + http.StatusText(c) + "\r\n"
	}
	return m
}()

// writeFields writes the handler's header fields, then extra lines. As
// net/http does, invalid names are skipped, CR and LF in values become
// spaces, and trailer-prefixed names wait for the trailer section.
func (w *response) writeFields(extra []string) {
	bw := w.c.bw
	for k, vv := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) || !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			writeValue(bw, v)
			bw.WriteString("\r\n")
		}
	}
	if w.relay {
		bw.Write(w.relayed.Fields)
	}
	for _, l := range extra {
		bw.WriteString(l)
		bw.WriteString("\r\n")
	}
}

func writeValue(bw *bufio.Writer, v string) {
	if strings.IndexByte(v, '\r') < 0 && strings.IndexByte(v, '\n') < 0 {
		bw.WriteString(v)
		return
	}
	bw.WriteString(strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
}

// writeTrailers ends a chunked body: the last chunk, then the declared
// trailer fields and those set with http.TrailerPrefix.
func (w *response) writeTrailers() {
	bw := w.c.bw
	bw.WriteString("0\r\n")
	for _, decl := range w.header["Trailer"] {
		for _, k := range strings.Split(decl, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			for _, v := range w.header[k] {
				bw.WriteString(k + ": ")
				writeValue(bw, v)
				bw.WriteString("\r\n")
			}
		}
	}
	for k, vv := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && httpguts.ValidHeaderFieldName(name) {
			for _, v := range vv {
				bw.WriteString(name + ": ")
				writeValue(bw, v)
				bw.WriteString("\r\n")
			}
		}
	}
	bw.WriteString("\r\n")
}
