package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// maxResponseHead bounds a response's status line and header fields
// (http.Transport's default MaxResponseHeaderBytes).
const maxResponseHead = 1 << 20

// readResponse reads a response head from c.br into c.resp, the
// connection's reused *http.Response, with http.ReadResponse's framing
// rules: no body for HEAD, 1xx, 204 and 304; chunked (the only transfer
// coding accepted); Content-Length (repeated only with one value); else
// until the connection closes. Two allocations per response: the head as
// one string every field is cut from, and the header values' backing
// array, fresh each time because the caller may hand the values on
// (into its own answer's header) past Release.
func (c *Conn) readResponse(method string) (*http.Response, error) {
	c.head, c.lines = c.head[:0], c.lines[:0]
	for {
		line, err := c.br.ReadSlice('\n')
		if len(c.head)+len(line) > maxResponseHead {
			return nil, errors.New("upstream: response head too large")
		}
		if err == bufio.ErrBufferFull {
			c.head = append(c.head, line...)
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		c.head = append(c.head, line...)
		c.lines = append(c.lines, len(c.head))
		if n := len(line); n == 1 || n == 2 && line[0] == '\r' {
			break
		}
	}
	head := string(c.head)
	lines := c.lines
	lineAt := func(i int) string {
		start := 0
		if i > 0 {
			start = lines[i-1]
		}
		s := head[start : lines[i]-1]
		return strings.TrimSuffix(s, "\r")
	}
	resp := &c.resp
	h := c.respHeader
	clear(h)
	*resp = http.Response{Header: h}
	status := lineAt(0)
	proto, code, ok := strings.Cut(status, " ")
	if !ok {
		return nil, fmt.Errorf("upstream: malformed status line %q", status)
	}
	resp.Proto = proto
	resp.Status = strings.TrimLeft(code, " ")
	codeText, _, _ := strings.Cut(resp.Status, " ")
	if len(codeText) != 3 {
		return nil, fmt.Errorf("upstream: malformed status code %q", codeText)
	}
	n, err := strconv.Atoi(codeText)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("upstream: malformed status code %q", codeText)
	}
	resp.StatusCode = n
	if resp.ProtoMajor, resp.ProtoMinor, ok = http.ParseHTTPVersion(proto); !ok {
		return nil, fmt.Errorf("upstream: malformed HTTP version %q", proto)
	}
	vals := make([]string, 0, len(lines)-2)
	for i := 1; i < len(lines)-1; i++ {
		l := lineAt(i)
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			return nil, fmt.Errorf("upstream: malformed header line %q", l)
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" || !nameWithSpace(k) {
			return nil, fmt.Errorf("upstream: malformed header line %q", l)
		}
		v = trimOWS(v)
		if !httpguts.ValidHeaderFieldValue(v) {
			return nil, fmt.Errorf("upstream: malformed header line %q", l)
		}
		k = textproto.CanonicalMIMEHeaderKey(k) // unchanged when it has a space, as textproto keeps it
		vals = append(vals, v)
		j := len(vals)
		if prior, ok := h[k]; ok {
			h[k] = append(prior, v)
			continue
		}
		h[k] = vals[j-1 : j : j]
	}
	return resp, c.frame(resp, method)
}

var chunked = []string{"chunked"}

// frame sets resp's body and length from its header, as
// http.ReadResponse does.
func (c *Conn) frame(resp *http.Response, method string) error {
	h := resp.Header
	resp.Close = closes(resp, h)
	te, hasTE := h["Transfer-Encoding"]
	isChunked := false
	// http.ReadResponse frames "HTTP/0.0" as HTTP/1.1, and ignores
	// Transfer-Encoding below 1.1.
	delete(h, "Transfer-Encoding")
	if hasTE && (resp.ProtoAtLeast(1, 1) || resp.ProtoMajor == 0 && resp.ProtoMinor == 0) {
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return fmt.Errorf("upstream: unsupported transfer encoding %q", te)
		}
		isChunked = true
	}
	length := int64(-1)
	if cls := h["Content-Length"]; len(cls) > 0 {
		first := textproto.TrimString(cls[0])
		for _, v := range cls[1:] {
			if textproto.TrimString(v) != first {
				return fmt.Errorf("upstream: several Content-Length values %q", cls)
			}
		}
		h["Content-Length"] = cls[:1]
		n, err := strconv.ParseUint(first, 10, 63)
		if err != nil {
			return fmt.Errorf("upstream: bad Content-Length %q", first)
		}
		length = int64(n)
	}
	if isChunked {
		delete(h, "Content-Length")
		resp.TransferEncoding, length = chunked, -1
	}
	b := &c.body
	switch {
	case method == http.MethodHead, resp.StatusCode/100 == 1, resp.StatusCode == 204, resp.StatusCode == 304:
		resp.ContentLength = length
		if method != http.MethodHead {
			resp.ContentLength = 0
		}
		resp.Body = http.NoBody
		return nil
	case isChunked:
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

// closes is http.ReadResponse's rule: HTTP/1.0 closes unless it says
// keep-alive; Connection: close closes (and is removed from the header).
func closes(resp *http.Response, h http.Header) bool {
	if resp.ProtoMajor < 1 {
		return true
	}
	conv := h["Connection"]
	hasClose := httpguts.HeaderValuesContainsToken(conv, "close")
	if resp.ProtoMajor == 1 && resp.ProtoMinor == 0 {
		return hasClose || !httpguts.HeaderValuesContainsToken(conv, "keep-alive")
	}
	if hasClose {
		delete(h, "Connection")
	}
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
			if terr := b.readTrailer(); terr != nil {
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

// readTrailer reads the trailer section after the last chunk into the
// response's Trailer.
func (b *responseBody) readTrailer() error {
	br := b.c.br
	buf, _ := br.Peek(2)
	if bytes.Equal(buf, []byte("\r\n")) {
		br.Discard(2)
		return nil
	}
	if len(buf) < 2 || !upcomingDoubleCRLF(br) {
		// As net/http: a trailer section must end within the buffer.
		return io.ErrUnexpectedEOF
	}
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	b.resp.Trailer = http.Header(hdr)
	return nil
}

// Close ends reading; Release decides whether the connection is kept.
func (b *responseBody) Close() error { return nil }

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

// trimOWS drops spaces and tabs at both ends (strings.Trim with a cutset
// builds the set on every call).
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// nameWithSpace reports whether every byte of k is one textproto accepts
// in a field name: a token character, or a space (go.dev/issue/34540). A name with a space
// is kept but never forwarded (servers drop invalid names).
func nameWithSpace(k string) bool {
	for i := 0; i < len(k); i++ {
		if !nameBytes[k[i]] {
			return false
		}
	}
	return true
}

var nameBytes = func() (t [256]bool) {
	for _, c := range []byte(" !#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
		t[c] = true
	}
	return t
}()
