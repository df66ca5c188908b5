package httpserve

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/textproto"
)

// body is a request's body, read from the connection's buffered reader:
// remain bytes (Content-Length), or chunked until the last chunk and the
// trailer section. One per connection, reset for every request.
type body struct {
	c       *conn
	remain  int64     // bytes left of a Content-Length body; -1: chunked
	chunked io.Reader // httputil's chunked reader (net/http's own), once the body is read
	eof     bool      // read to its end (trailers included)
	err     error     // a framing error: the connection cannot be reused
	closed  bool
	// continueOwed: the client sent Expect: 100-continue and waits for
	// the interim answer before it sends the body; the first Read sends it.
	continueOwed bool
}

func (b *body) reset(c *conn, n int64) {
	*b = body{c: c, remain: n, eof: n == 0}
}

func (b *body) Read(p []byte) (int, error) {
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose
	case b.eof:
		return 0, io.EOF
	case b.err != nil:
		return 0, b.err
	}
	if b.continueOwed {
		b.continueOwed = false
		if err := b.c.w.writeContinue(); err != nil {
			b.err = err
			return 0, err
		}
	}
	if b.remain < 0 {
		return b.readChunked(p)
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.c.br.Read(p)
	b.remain -= int64(n)
	switch {
	case b.remain == 0:
		b.eof = true
		return n, io.EOF
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *body) readChunked(p []byte) (int, error) {
	if b.chunked == nil {
		b.chunked = httputil.NewChunkedReader(b.c.br)
	}
	n, err := b.chunked.Read(p)
	if err == io.EOF {
		if terr := b.readTrailer(); terr != nil {
			b.err = terr
			return n, terr
		}
		b.eof = true
		return n, io.EOF
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
	}
	return n, err
}

// readTrailer reads the trailer section after the last chunk into
// r.Trailer.
func (b *body) readTrailer() error { return ReadTrailer(b.c.br, &b.c.req.Trailer) }

// ReadTrailer reads a chunked body's trailer section from br, after its
// last chunk, into *trailer as net/http does: an empty section is a CRLF;
// a longer one must end with CRLF CRLF within the read buffer, is read
// by textproto, and is merged into the names the head declared (a
// declared field that never came keeps its nil value). The upstream
// client reads answers' trailers with it too.
func ReadTrailer(br *bufio.Reader, trailer *http.Header) error {
	buf, _ := br.Peek(2)
	if bytes.Equal(buf, crlf) {
		br.Discard(2)
		return nil
	}
	if len(buf) < 2 {
		return io.ErrUnexpectedEOF
	}
	if !upcomingDoubleCRLF(br) {
		return errors.New("httpserve: trailer section too long or not ended by CRLF CRLF")
	}
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if *trailer == nil {
		*trailer = http.Header(hdr)
		return nil
	}
	maps.Copy(*trailer, hdr)
	return nil
}

var crlf = []byte("\r\n")

func upcomingDoubleCRLF(br *bufio.Reader) bool {
	for n := 4; ; n++ {
		buf, err := br.Peek(n)
		if bytes.HasSuffix(buf, []byte("\r\n\r\n")) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// Close marks the body closed; what is left unread is drained (or the
// connection closed) once the handler returns.
func (b *body) Close() error {
	b.closed = true
	return nil
}

// maxDrain is how much of a body the handler left unread the server reads
// and discards to keep the connection (net/http's maxPostHandlerReadBytes).
const maxDrain = 256 << 10

// drain reads what is left of the body, up to maxDrain bytes, and reports
// whether the connection can carry another request.
func (b *body) drain() bool {
	if b.eof {
		return true
	}
	if b.err != nil || b.continueOwed {
		// A client still waiting for 100 Continue has not sent the body.
		return false
	}
	b.closed = false
	n, _ := io.CopyN(io.Discard, b, maxDrain+1)
	return b.eof && n <= maxDrain
}
