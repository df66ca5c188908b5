package upstream

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strings"

	"github.com/portolan/portolan/internal/httpserve"
)

var chunked = []string{"chunked"}

// frame sets resp's body and length from the fields, as
// http.ReadResponse does: no body for HEAD, 1xx, 204 and 304; chunked (the
// only transfer coding accepted); Content-Length (repeated only with one
// value); else until the connection closes.
func (c *Conn) frame(resp *http.Response, method string) error {
	resp.Close = c.closes(resp)
	var te, cl []byte
	nte, ncl, trailer := 0, 0, false
	for _, f := range c.fields {
		switch string(c.name(f)) {
		case "Trailer":
			trailer = true
		case "Transfer-Encoding":
			te = c.value(f)
			nte++
		case "Content-Length":
			v := c.value(f)
			if ncl > 0 && !bytes.Equal(v, cl) {
				return fmt.Errorf("upstream: several Content-Length values, %q and %q", cl, v)
			}
			cl = v
			ncl++
		}
	}
	// http.ReadResponse frames "HTTP/0.0" as HTTP/1.1, and ignores
	// Transfer-Encoding below 1.1.
	c.chunked = false
	if nte > 0 && (resp.ProtoAtLeast(1, 1) || resp.ProtoMajor == 0 && resp.ProtoMinor == 0) {
		if nte != 1 || !equalFoldASCII(te, []byte("chunked")) {
			return fmt.Errorf("upstream: unsupported transfer encoding %q", te)
		}
		c.chunked = true
	}
	length := int64(-1)
	if ncl > 0 {
		n, ok := parseLength(cl)
		if !ok {
			return fmt.Errorf("upstream: bad Content-Length %q", cl)
		}
		length = n
	}
	if c.chunked {
		resp.TransferEncoding, length = chunked, -1
		if trailer {
			if err := c.declareTrailers(resp); err != nil {
				return err
			}
		}
	}
	c.declared = length
	b := &c.body
	switch {
	case method == http.MethodHead, resp.StatusCode/100 == 1, resp.StatusCode == 204, resp.StatusCode == 304:
		resp.ContentLength = length
		if method != http.MethodHead {
			resp.ContentLength = 0
		}
		resp.Body = http.NoBody
		return nil
	case c.chunked:
		resp.ContentLength = -1
		*b = responseBody{c: c, resp: resp, remain: -1}
	case length >= 0:
		resp.ContentLength = length
		*b = responseBody{c: c, resp: resp, remain: length}
		if length == 0 {
			resp.Body = http.NoBody
			return nil
		}
	default:
		// Until the connection closes: it cannot be kept.
		resp.ContentLength, resp.Close = -1, true
		*b = responseBody{c: c, resp: resp, remain: -2}
	}
	resp.Body = b
	return nil
}

// declareTrailers sets resp.Trailer to the names the Trailer fields of a
// chunked answer declare, values to come after the body, as
// http.ReadResponse does (a Trailer field without chunking stays an
// ordinary field; Header leaves out one that declared). A declared
// framing field is refused, as there.
func (c *Conn) declareTrailers(resp *http.Response) error {
	t := http.Header{}
	for _, f := range c.fields {
		if string(c.name(f)) != "Trailer" {
			continue
		}
		for name := range strings.SplitSeq(string(c.value(f)), ",") {
			name = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(name))
			switch name {
			case "":
				continue
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return fmt.Errorf("upstream: bad trailer key %q", name)
			}
			t[name] = nil
		}
	}
	if len(t) > 0 {
		resp.Trailer = t
	}
	return nil
}

// parseLength is strconv.ParseUint(v, 10, 63) for bytes.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, d := range v {
		if d < '0' || d > '9' || n > (1<<63-1-int64(d-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// closes is http.ReadResponse's rule: HTTP/1.0 closes unless it says
// keep-alive; Connection: close closes (and ReadResponse removes the
// field from the header: Header does).
func (c *Conn) closes(resp *http.Response) bool {
	c.closeField = false
	if resp.ProtoMajor < 1 {
		return true
	}
	hasClose, keepAlive := false, false
	if c.connection {
		for _, f := range c.fields {
			if string(c.name(f)) == "Connection" {
				hasClose = hasClose || hasToken(c.value(f), []byte("close"))
				keepAlive = keepAlive || hasToken(c.value(f), []byte("keep-alive"))
			}
		}
	}
	if resp.ProtoMajor == 1 && resp.ProtoMinor == 0 {
		return hasClose || !keepAlive
	}
	c.closeField = hasClose
	return hasClose
}

// responseBody reads a response body from the connection: remain bytes
// (Content-Length), chunked (-1) or to the end of the stream (-2).
type responseBody struct {
	c       *Conn
	resp    *http.Response
	remain  int64
	chunked io.Reader
	eof     bool
	err     error
}

func (b *responseBody) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	var n int
	var err error
	switch {
	case b.remain == -2:
		n, err = b.c.br.Read(p)
		if err == io.EOF {
			b.eof = true
		}
	case b.remain == -1:
		if b.chunked == nil {
			b.chunked = httputil.NewChunkedReader(b.c.br)
		}
		n, err = b.chunked.Read(p)
		if err == io.EOF {
			if terr := httpserve.ReadTrailer(b.c.br, &b.resp.Trailer); terr != nil {
				err = terr
			} else {
				b.eof = true
			}
		}
	default:
		if int64(len(p)) > b.remain {
			p = p[:b.remain]
		}
		n, err = b.c.br.Read(p)
		b.remain -= int64(n)
		if b.remain == 0 {
			b.eof, err = true, io.EOF
		} else if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// Close ends reading; Release decides whether the connection is kept.
func (b *responseBody) Close() error { return nil }
