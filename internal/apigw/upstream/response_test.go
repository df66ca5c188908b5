package upstream

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzReadResponse holds readResponse to http.ReadResponse: for the same
// bytes, the same status, header, framing and body, or an error from
// both (readResponse may refuse an obs-fold header line net/http joins).
func FuzzReadResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n",
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
		got, gotErr := describe(c.readResponse(method))
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
