package upstream

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzReadResponse holds readResponse to http.ReadResponse: for the same
// bytes, the same status, header, framing and body, or an error from
// both (readResponse may refuse an obs-fold header line net/http joins).
func FuzzReadResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T, x-u\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTrailer: X-T\r\n\r\nok",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 999 Odd\nX: a\n\n",
		"HTTP/1.1 200\r\n\r\n",
		// Differences the fuzzer found, now agreed on.
		"HTTP/7.0 110 \nC 000000000000:0000\n\r\n00",
		"HTTP/0.0 000 \nTrAnsfer-EnCoding:0000000\n\n000",
		"HTTP/0.1 000 \nTrAnsfer-EnCoding:0000000\n\n0000000000",
		"HTTP/1.1 000 \nTrAnsfer-EnCoding:Chunked\n\n0\r\n\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		c := &Conn{br: bufio.NewReader(bytes.NewReader(raw)), respHeader: http.Header{}}
		got, gotErr := describe(c.readResponse(method, false))
		want, wantErr := describe(http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: method}))
		switch {
		case gotErr != nil && wantErr != nil:
		case gotErr != nil && (strings.Contains(string(raw), "\n ") || strings.Contains(string(raw), "\n\t")):
		case gotErr != nil || wantErr != nil || got != want:
			t.Fatalf("input %q\nreadResponse: %s %v\nReadResponse: %s %v", raw, got, gotErr, want, wantErr)
		}
	})
}

func describe(resp *http.Response, err error) (string, error) {
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range resp.Header {
			if !yield(k) {
				return
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d %q %s len=%d te=%v close=%v body=%q trailer=%v\n", resp.StatusCode, resp.Status, resp.Proto, resp.ContentLength, resp.TransferEncoding, resp.Close, body, resp.Trailer)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %q\n", k, resp.Header[k])
	}
	return b.String(), err
}

// FuzzHead holds what Head relays to what textproto reads of the same
// head with the hop-by-hop fields (RemoveHopHeaders), Content-Length and
// names a server would not send taken out; CopyHeader must give the same
// map, and the declared length must be the one http.ReadResponse framed.
func FuzzHead(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-type: text/plain\r\nX-A: 1\r\nx-a:  2 \r\n\r\nok",
		"HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: h\r\nKeep-Alive: timeout=5\r\nDate: today\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\nTrailer: X-T\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nBad Name: x\r\nContent-Encoding: gzip\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := &Conn{br: bufio.NewReader(bytes.NewReader(raw)), respHeader: http.Header{}}
		resp, err := c.readResponse(http.MethodGet, true)
		if err != nil {
			return // FuzzReadResponse holds the refusals to net/http's
		}
		if resp.Header != nil {
			t.Fatalf("relayed head built a map")
		}
		want := referenceRelay(t, raw)
		h := c.Head()
		got := http.Header{}
		for line := range strings.SplitSeq(string(h.Fields), "\r\n") {
			if line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, ": ")
			if !ok || !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) || k != http.CanonicalHeaderKey(k) {
				t.Fatalf("input %q: bad relayed line %q", raw, line)
			}
			got[k] = append(got[k], v)
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("input %q\nHead:     %v\nexpected: %v", raw, got, want)
		}
		_, date := got["Date"]
		_, ctype := got["Content-Type"]
		_, cenc := got["Content-Encoding"]
		if h.HasDate != date || h.HasContentType != ctype || h.HasContentEncoding != cenc {
			t.Fatalf("input %q: flags %+v for %v", raw, h, got)
		}
		copied := http.Header{}
		c.CopyHeader(copied)
		if cl := copied["Content-Length"]; len(cl) > 0 {
			// Both in the same digits ("000" goes out as "0").
			if cl[0] != strconv.FormatInt(h.ContentLength, 10) {
				t.Fatalf("input %q: CopyHeader's Content-Length %q, Head's %d", raw, cl, h.ContentLength)
			}
			delete(copied, "Content-Length")
		}
		if !maps.EqualFunc(copied, want, slices.Equal) {
			t.Fatalf("input %q\nCopyHeader: %v\nexpected:   %v", raw, copied, want)
		}
		ref, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: http.MethodGet})
		if err != nil {
			t.Fatalf("input %q: net/http refuses what readResponse read: %v", raw, err)
		}
		wantLen := int64(-1)
		if v := ref.Header.Get("Content-Length"); v != "" {
			wantLen, _ = strconv.ParseInt(v, 10, 64)
		}
		if h.ContentLength != wantLen {
			t.Fatalf("input %q: declared %d, net/http's header says %d", raw, h.ContentLength, wantLen)
		}
	})
}

// referenceRelay is what a proxy relays of raw's head, read with
// textproto.
func referenceRelay(t *testing.T, raw []byte) http.Header {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	if _, err := tp.ReadLine(); err != nil {
		t.Fatal(err)
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("input %q: textproto refuses what readResponse read: %v", raw, err)
	}
	h := http.Header(mh)
	RemoveHopHeaders(h)
	delete(h, "Content-Length")
	for k := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			delete(h, k)
		}
	}
	return h
}

// TestRelayAllocs: reading a head to relay and making its Head allocate
// nothing once a connection has served one such response, long field
// names included (a string made of more than 32 bytes is a heap
// allocation).
func TestRelayAllocs(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Security-Policy-Report-Only: default-src 'self'\r\n" +
		"Connection: keep-alive\r\nX-Request-Correlation-Identifier-Long: abc\r\nContent-Length: 2\r\n\r\nok"
	r := strings.NewReader(raw)
	c := &Conn{br: bufio.NewReader(r), respHeader: http.Header{}}
	read := func() {
		r.Reset(raw)
		c.br.Reset(r)
		resp, err := c.readResponse(http.MethodGet, true)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
		if h := c.Head(); !h.HasContentType || h.ContentLength != 2 {
			t.Fatalf("head %+v", h)
		}
	}
	read()
	if n := testing.AllocsPerRun(100, read); n != 0 {
		t.Errorf("%.1f allocations per relayed head, want 0", n)
	}
}
