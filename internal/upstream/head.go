package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/httpserve"
)

// maxResponseHead bounds a response's status line and header fields
// (http.Transport's default MaxResponseHeaderBytes).
const maxResponseHead = 1 << 20

// field is one header line of the response head, as offsets into
// Conn.head: the name (canonicalized in place) and the value (without
// the white space around it).
type field struct{ name, value span }

type span struct{ from, to int }

// readResponse reads a response head from c.br into c.resp, the
// connection's reused *http.Response, with http.ReadResponse's rules: the
// status line and fields it accepts (bar obs-fold lines, refused), and
// its framing (frame). The fields stay bytes in c.head; unless the caller
// relays the head as it is (relay: Head or CopyHeader), they are also
// made the response's Header map. The steady state allocates nothing
// for a relayed head; a map costs the head as one string and the values'
// backing array.
func (c *Conn) readResponse(method string, relay bool) (*http.Response, error) {
	if err := c.readHead(); err != nil {
		return nil, err
	}
	resp := &c.resp
	*resp = http.Response{}
	if err := c.parseStatusLine(resp); err != nil {
		return nil, err
	}
	if err := c.parseFields(); err != nil {
		return nil, err
	}
	if err := c.frame(resp, method); err != nil {
		return nil, err
	}
	if !relay {
		resp.Header = c.Header()
	}
	return resp, nil
}

// readHead reads the status line and header fields into c.head, with
// c.lines the end of each line (past its LF).
func (c *Conn) readHead() error {
	c.head, c.lines = c.head[:0], c.lines[:0]
	for {
		line, err := c.br.ReadSlice('\n')
		if len(c.head)+len(line) > maxResponseHead {
			return errors.New("upstream: response head too large")
		}
		if err == bufio.ErrBufferFull {
			c.head = append(c.head, line...)
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
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

// line is line i of the head, without its CRLF or LF.
func (c *Conn) line(i int) (start int, l []byte) {
	if i > 0 {
		start = c.lines[i-1]
	}
	l = c.head[start : c.lines[i]-1]
	return start, bytes.TrimSuffix(l, []byte("\r"))
}

func (c *Conn) parseStatusLine(resp *http.Response) error {
	_, status := c.line(0)
	proto, rest, ok := bytes.Cut(status, []byte(" "))
	if !ok {
		return fmt.Errorf("upstream: malformed status line %q", status)
	}
	resp.Proto = intern(&c.proto, proto)
	resp.Status = intern(&c.status, bytes.TrimLeft(rest, " "))
	codeText, _, _ := strings.Cut(resp.Status, " ")
	if len(codeText) != 3 {
		return fmt.Errorf("upstream: malformed status code %q", codeText)
	}
	n, err := strconv.Atoi(codeText)
	if err != nil || n < 0 {
		return fmt.Errorf("upstream: malformed status code %q", codeText)
	}
	resp.StatusCode = n
	if resp.ProtoMajor, resp.ProtoMinor, ok = http.ParseHTTPVersion(resp.Proto); !ok {
		return fmt.Errorf("upstream: malformed HTTP version %q", resp.Proto)
	}
	return nil
}

// intern returns b as a string, the one *last already holds when they are
// equal: a backend's status lines repeat, so they cost one allocation
// per connection, not one per response.
func intern(last *string, b []byte) string {
	if string(b) != *last {
		*last = string(b)
	}
	return *last
}

// parseFields checks the header lines into c.fields.
func (c *Conn) parseFields() error {
	c.fields, c.connection = c.fields[:0], false
	for i := 1; i < len(c.lines)-1; i++ {
		start, l := c.line(i)
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' {
			return fmt.Errorf("upstream: malformed header line %q", l)
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 || !httpserve.NameWithSpace(l[:colon]) {
			return fmt.Errorf("upstream: malformed header line %q", l)
		}
		from, to := colon+1, len(l)
		for from < to && (l[from] == ' ' || l[from] == '\t') {
			from++
		}
		for to > from && (l[to-1] == ' ' || l[to-1] == '\t') {
			to--
		}
		if !validValue(l[from:to]) {
			return fmt.Errorf("upstream: malformed header line %q", l)
		}
		canonicalize(l[:colon])
		c.connection = c.connection || string(l[:colon]) == "Connection"
		c.fields = append(c.fields, field{span{start, start + colon}, span{start + from, start + to}})
	}
	return nil
}

func (c *Conn) name(f field) []byte  { return c.head[f.name.from:f.name.to] }
func (c *Conn) value(f field) []byte { return c.head[f.value.from:f.value.to] }

// Header returns the response's header as http.ReadResponse would: a map
// of the fields, with the framing fields it removes removed. It is built
// on the first call (readResponse makes it unless the head is relayed)
// and belongs to c until Release; the values may be kept longer.
func (c *Conn) Header() http.Header {
	if c.resp.Header != nil {
		return c.resp.Header
	}
	h := c.respHeader
	clear(h)
	c.addFields(h, func(field) bool { return true })
	delete(h, "Transfer-Encoding")
	if cl := h["Content-Length"]; len(cl) > 1 {
		h["Content-Length"] = cl[:1]
	}
	if c.chunked {
		delete(h, "Content-Length")
		delete(h, "Trailer") // declared: resp.Trailer
	}
	if c.closeField {
		delete(h, "Connection")
	}
	c.resp.Header = h
	return h
}

// addFields adds the fields keep accepts to h, their values cut from one
// string of the head (they may outlive Release) and grouped by name.
func (c *Conn) addFields(h http.Header, keep func(field) bool) {
	head := string(c.head)
	vals := make([]string, 0, len(c.fields))
	for _, f := range c.fields {
		if !keep(f) {
			continue
		}
		k, v := head[f.name.from:f.name.to], head[f.value.from:f.value.to]
		vals = append(vals, v)
		j := len(vals)
		if prior, ok := h[k]; ok {
			h[k] = append(prior, v)
			continue
		}
		h[k] = vals[j-1 : j : j]
	}
}

// Head returns the response's header for a proxy to relay as it came:
// its fields in their order, but for the hop-by-hop ones (RFC 9110 7.6.1:
// those isHopByHop names and those a Connection field names), Content-Length
// (declared apart) and names a server would not send (with a space). The
// fields are c's until the next response or Release.
func (c *Conn) Head() httpserve.Head {
	h := httpserve.Head{ContentLength: c.declared}
	b := c.block[:0]
	for _, f := range c.fields {
		if !c.relayable(f) {
			continue
		}
		name := c.name(f)
		switch string(name) {
		case "Date":
			h.HasDate = true
		case "Content-Type":
			h.HasContentType = true
		case "Content-Encoding":
			h.HasContentEncoding = true
		}
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, c.value(f)...)
		b = append(b, "\r\n"...)
	}
	c.block = b
	h.Fields = b
	return h
}

// CopyHeader adds the fields Head would relay to h, and the
// Content-Length: for a proxy that must change the header first.
func (c *Conn) CopyHeader(h http.Header) {
	c.addFields(h, c.relayable)
	if c.declared >= 0 {
		h["Content-Length"] = []string{strconv.FormatInt(c.declared, 10)}
	}
}

// WriteHead relays the response's status and header to w unchanged: as
// the bytes they came in when w is the HTTP engine's writer
// (httpserve.HeadRelayer), else through w's Header map.
func (c *Conn) WriteHead(w http.ResponseWriter, status int) {
	if hr, ok := w.(httpserve.HeadRelayer); ok {
		hr.RelayHead(status, c.Head())
		return
	}
	c.CopyHeader(w.Header())
	w.WriteHeader(status)
}

func (c *Conn) relayable(f field) bool {
	name := c.name(f)
	if isHopByHop(name) || string(name) == "Content-Length" || bytes.IndexByte(name, ' ') >= 0 {
		return false
	}
	if c.connection {
		for _, cf := range c.fields {
			if string(c.name(cf)) == "Connection" && hasToken(c.value(cf), name) {
				return false
			}
		}
	}
	return true
}

// isHopByHop reports whether the canonical field name is one of the
// connection-level fields a proxy never forwards (RFC 9110 7.6.1),
// comparing the bytes without making a string of them.
func isHopByHop(name []byte) bool {
	for _, h := range hopByHop {
		if string(name) == h {
			return true
		}
	}
	return false
}

var hopByHop = [...]string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// RemoveHopHeaders deletes from h the hop-by-hop fields: those
// isHopByHop names and those its Connection fields name.
func RemoveHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.Trim(f, " \t"); f != "" {
				delete(h, http.CanonicalHeaderKey(f))
			}
		}
	}
	for _, k := range hopByHop {
		delete(h, k)
	}
}

// hasToken reports whether the comma-separated list v names token
// (compared without ASCII case, as field names and connection options
// are).
func hasToken(v []byte, token []byte) bool {
	for len(v) > 0 {
		var part []byte
		part, v, _ = bytes.Cut(v, []byte(","))
		if equalFoldASCII(bytes.Trim(part, " \t"), token) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// canonicalize rewrites a field name in place to its canonical form, as
// textproto.CanonicalMIMEHeaderKey makes it (without allocating): the
// first letter and each one after a hyphen upper case, the others lower;
// a name with a space stays as it is.
func canonicalize(name []byte) {
	if bytes.IndexByte(name, ' ') >= 0 {
		return
	}
	upper := true
	for i, c := range name {
		switch {
		case upper && 'a' <= c && c <= 'z':
			name[i] = c - ('a' - 'A')
		case !upper && 'A' <= c && c <= 'Z':
			name[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
}

// validValue is httpguts.ValidHeaderFieldValue for bytes: no control
// character but tab.
func validValue(v []byte) bool {
	for _, c := range v {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
