package httpserve

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// requestError is a request the server answers itself, as net/http does,
// and then closes the connection.
type requestError struct {
	status int
	text   string // the body, after the status line
}

func (e *requestError) Error() string { return e.text }

var (
	errTooLarge      = &requestError{http.StatusRequestHeaderFieldsTooLarge, "431 Request Header Fields Too Large"}
	errBadRequest    = &requestError{http.StatusBadRequest, "400 Bad Request"}
	errUnsupportedTE = &requestError{http.StatusNotImplemented, "Unsupported transfer encoding"}
	errVersion       = &requestError{http.StatusHTTPVersionNotSupported, "505 HTTP Version Not Supported: unsupported protocol version"}
)

// chunkedCoding is r.TransferEncoding of a chunked request (shared, never
// modified).
var chunkedCoding = []string{"chunked"}

// readHead reads a request head (request line and header lines, up to the
// empty line) into c.head, and the end of each line into c.lines. It
// refuses heads over c.srv.maxHead bytes. After a POST, up to four CR
// and LF bytes before the request line are skipped, as net/http does for
// old clients that end a body with an extra CRLF.
func (c *conn) readHead() error {
	c.head, c.lines = c.head[:0], c.lines[:0]
	// Wait for the first bytes apart: until they come the connection is
	// idle (the idle timeout), from then on a head is being read (the
	// header timeout). Between requests net/http waits for 4 bytes, and
	// a stream that ends before them gets no answer; so does this.
	wait := 1
	if c.state.Load() == stateIdle {
		wait = 4
	}
	if _, err := c.br.Peek(wait); err != nil {
		return err
	}
	if !c.setState(stateHead) {
		return net.ErrClosed
	}
	if c.lastPOST {
		// Up to four CR or LF bytes, in any order, as net/http skips them
		// (the idle wait above has buffered four already).
		c.lastPOST = false
		peek, _ := c.br.Peek(min(4, c.br.Buffered()))
		n := 0
		for n < len(peek) && (peek[n] == '\r' || peek[n] == '\n') {
			n++
		}
		c.br.Discard(n)
	}
	for {
		line, err := c.br.ReadSlice('\n')
		if len(c.head)+len(line) > c.srv.maxHead {
			return errTooLarge
		}
		if err == bufio.ErrBufferFull {
			c.head = append(c.head, line...)
			continue
		}
		if err != nil {
			if err == io.EOF && (len(c.head) > 0 || len(line) > 0) {
				// A head cut short by the end of the stream: 400, as
				// net/http answers it. A failed read gets no answer.
				return errBadRequest
			}
			return err
		}
		c.head = append(c.head, line...)
		c.lines = append(c.lines, len(c.head))
		if n := len(line); n == 1 || n == 2 && line[0] == '\r' {
			return nil
		}
	}
}

// parseRequest fills c.req from c.head, following net/http's readRequest
// and its server's checks.
func (c *conn) parseRequest() error {
	// One string for the whole head: every field of the request is a
	// substring of it (the one allocation of a request).
	c.headStr, c.line = string(c.head), 0
	r := &c.req
	reqLine := c.nextLine()
	method, rest, ok1 := strings.Cut(reqLine, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !validMethod(method) {
		return errBadRequest
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return errBadRequest
	}
	r.Method, r.RequestURI = method, target
	r.Proto, r.ProtoMajor, r.ProtoMinor = proto, major, minor
	if !c.parseTarget(r, target) {
		return errBadRequest
	}
	badName, err := c.parseHeader(len(c.lines) - 1)
	if err != nil {
		return err
	}
	// The checks in net/http's order, so that a request with several
	// faults gets the same status from both servers.
	h := r.Header
	hosts, haveHost := h["Host"]
	if len(hosts) > 1 {
		return errBadRequest
	}
	r.Host = r.URL.Host
	if r.Host == "" && len(hosts) > 0 {
		r.Host = hosts[0]
	}
	if pragma := h["Pragma"]; len(pragma) > 0 && pragma[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = noCache
	}
	r.Close = shouldClose(major, minor, h)
	if err := c.framing(r); err != nil {
		return err
	}
	if major != 1 {
		return errVersion
	}
	if minor >= 1 && (!haveHost || len(hosts) == 0) && r.Method != "CONNECT" {
		return errBadRequest
	}
	if len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]) || badName {
		return errBadRequest
	}
	delete(h, "Host")
	return nil
}

var noCache = []string{"no-cache"}

// nextLine returns the next line of the head, without its line end.
func (c *conn) nextLine() string {
	start := 0
	if c.line > 0 {
		start = c.lines[c.line-1]
	}
	s := c.headStr[start : c.lines[c.line]-1]
	c.line++
	if n := len(s); n > 0 && s[n-1] == '\r' {
		s = s[:n-1]
	}
	return s
}

// parseTarget fills r.URL from the request target. Origin-form targets
// without escapes (what clients send) are split in place; anything else
// goes through url.ParseRequestURI, as net/http's do.
func (c *conn) parseTarget(r *http.Request, target string) bool {
	u := &c.url
	*u = url.URL{}
	r.URL = u
	if len(target) > 0 && target[0] == '/' && plainTarget(target) {
		u.Path, u.RawQuery = target, ""
		if i := strings.IndexByte(target, '?'); i >= 0 {
			u.Path, u.RawQuery, u.ForceQuery = target[:i], target[i+1:], i == len(target)-1
		}
		return true
	}
	justAuthority := r.Method == "CONNECT" && !strings.HasPrefix(target, "/")
	raw := target
	if justAuthority {
		raw = "http://" + raw
	}
	parsed, err := url.ParseRequestURI(raw)
	if err != nil {
		return false
	}
	if justAuthority {
		parsed.Scheme = ""
	}
	*u = *parsed
	return true
}

// plainTarget: the target has no byte url.ParseRequestURI would decode or
// judge ('%', '#', controls, spaces, non-ASCII), so its path is itself.
func plainTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '%' || c == '#' {
			return false
		}
	}
	return true
}

// parseHeader reads header lines 1..n-1 (line n is the empty one) into
// r.Header, reusing the connection's map and value slices. badName
// reports a name with a space in it, which textproto lets through and
// net/http's server refuses after its other checks.
func (c *conn) parseHeader(n int) (badName bool, err error) {
	h := c.req.Header
	clear(h)
	vals := c.vals[:0]
	if cap(vals) < n {
		vals = make([]string, 0, n)
	}
	for i := 1; i < n; i++ {
		l := c.nextLine()
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			// obs-fold (or a space before the first field): refused.
			return false, errBadRequest
		}
		// As textproto: spaces and tabs around the line go, anything else
		// that is not a visible character stays and is refused (a CR
		// before the line's end, as in "v\r \r\n").
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" {
			return false, errBadRequest
		}
		if !httpguts.ValidHeaderFieldName(k) {
			if !NameWithSpace(k) {
				return false, errBadRequest
			}
			badName = true
		} else {
			k = canonicalKey(k)
		}
		v = trimOWS(v)
		if !httpguts.ValidHeaderFieldValue(v) {
			return false, errBadRequest
		}
		vals = append(vals, v)
		j := len(vals)
		if prior, ok := h[k]; ok {
			h[k] = append(prior, v) // a repeated field: copies out of vals
			continue
		}
		h[k] = vals[j-1 : j : j]
	}
	c.vals = vals
	return badName, nil
}

// canonicalKey is textproto's canonical form, without allocating for the
// names clients send already canonical or in lower case (HTTP/2-style).
func canonicalKey(k string) string {
	if s, ok := commonKeys[k]; ok {
		return s
	}
	return textproto.CanonicalMIMEHeaderKey(k)
}

// commonKeys maps the lower-case spelling of frequent names to their
// canonical form.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Connection",
		"Content-Length", "Content-Type", "Cookie", "Expect", "Forwarded", "Host", "If-Modified-Since",
		"If-None-Match", "Origin", "Pragma", "Referer", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"User-Agent", "Via", "X-Amzn-Trace-Id", "X-Api-Key", "X-Forwarded-For", "X-Forwarded-Port",
		"X-Forwarded-Proto", "X-Request-Id", "Sec-Websocket-Key", "Sec-Websocket-Version",
		"Access-Control-Request-Method", "Access-Control-Request-Headers",
	} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// framing reads the body framing (net/http's transfer.go rules) and sets
// r.Body to the connection's body reader.
func (c *conn) framing(r *http.Request) error {
	h := r.Header
	c.ambiguous = false
	chunked := false
	te, hasTE := h["Transfer-Encoding"]
	if hasTE {
		delete(h, "Transfer-Encoding")
		// net/http frames "HTTP/0.0" as HTTP/1.1, and ignores
		// Transfer-Encoding below 1.1 (go.dev/issue/12785).
		if r.ProtoAtLeast(1, 1) || r.ProtoMajor == 0 && r.ProtoMinor == 0 {
			if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
				return errUnsupportedTE
			}
			chunked = true
		}
	}
	cls := h["Content-Length"]
	c.ambiguous = hasTE && len(cls) > 0
	var n int64
	if len(cls) > 0 {
		first := textproto.TrimString(cls[0])
		for _, v := range cls[1:] {
			if textproto.TrimString(v) != first {
				return errBadRequest
			}
		}
		if len(cls) > 1 {
			h["Content-Length"] = cls[:1]
		}
		u, err := strconv.ParseUint(first, 10, 63)
		if err != nil {
			return errBadRequest
		}
		n = int64(u)
	}
	r.TransferEncoding, r.Trailer = nil, nil
	switch {
	case chunked:
		delete(h, "Content-Length")
		r.ContentLength, r.TransferEncoding = -1, chunkedCoding
		c.body.reset(c, -1)
		c.declareTrailers(r)
	default:
		r.ContentLength = n
		c.body.reset(c, n)
	}
	if r.ContentLength == 0 {
		r.Body = http.NoBody
	} else {
		r.Body = &c.body
	}
	return nil
}

// declareTrailers sets r.Trailer to the fields the Trailer header names,
// as net/http does (their values arrive after the body).
func (c *conn) declareTrailers(r *http.Request) {
	vv := r.Header["Trailer"]
	if len(vv) == 0 {
		return
	}
	t := http.Header{}
	for _, v := range vv {
		for _, k := range strings.Split(v, ",") {
			k = textproto.CanonicalMIMEHeaderKey(textproto.TrimString(k))
			switch k {
			case "Transfer-Encoding", "Trailer", "Content-Length", "":
				continue
			}
			t[k] = nil
		}
	}
	if len(t) > 0 {
		r.Trailer = t
	}
}

// shouldClose is net/http's: HTTP/1.0 closes unless it asks to keep
// alive; HTTP/1.1 keeps alive unless it asks to close.
func shouldClose(major, minor int, h http.Header) bool {
	if major < 1 {
		return true
	}
	conv := h["Connection"]
	hasClose := httpguts.HeaderValuesContainsToken(conv, "close")
	if major == 1 && minor == 0 {
		return hasClose || !httpguts.HeaderValuesContainsToken(conv, "keep-alive")
	}
	return hasClose
}

func validMethod(m string) bool {
	return len(m) > 0 && strings.IndexFunc(m, func(r rune) bool { return !httpguts.IsTokenRune(r) }) < 0
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

// NameWithSpace reports whether every byte of k is one textproto accepts
// in a field name: a token character, or a space (go.dev/issue/34540).
// A name with a space is read but never valid to send. The upstream
// client reads answers by the same rule.
func NameWithSpace[T string | []byte](k T) bool {
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
