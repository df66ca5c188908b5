package httpserve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a handler that notes what reached it, as a backend would
// see it: method, target, host, version, framing, header fields, body and
// trailers.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q %q %s len=%d te=%v close=%v\n", r.Method, r.RequestURI, r.Host, r.Proto, r.ContentLength, r.TransferEncoding, r.Close)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %q\n", k, r.Header[k])
	}
	fmt.Fprintf(&b, "body %q err=%v trailer=%v", body, err != nil, r.Trailer)
	rec.mu.Lock()
	rec.seen = append(rec.seen, b.String())
	rec.mu.Unlock()
	io.WriteString(w, "ok")
}

func (rec *recorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.seen
	rec.seen = nil
	return s
}

// exchange sends raw on a new connection to addr, half-closes it, and
// returns the statuses of the answers read until the server closes.
func exchange(t testing.TB, addr string, raw []byte) []int {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write(raw)
	c.(*net.TCPConn).CloseWrite()
	var statuses []int
	br := bufio.NewReader(c)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return statuses
		}
		io.Copy(io.Discard, resp.Body)
		statuses = append(statuses, resp.StatusCode)
	}
}

// FuzzDifferential sends the same bytes to httpserve and to net/http's
// server, the same handler behind each, and requires the same requests
// to reach it and the same answers to come back. The one difference
// allowed is httpserve's documented strictness: a request net/http
// accepts with an obs-fold continuation line, httpserve refuses (400).
func FuzzDifferential(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST /p HTTP/1.0\r\nContent-Length: 2\r\n\r\nab",
		"GET http://example.com/x?y HTTP/1.1\r\nHost: other\r\n\r\n",
		"GET /%41%2F HTTP/1.1\r\nHost: h\r\nPragma: no-cache\r\n\r\n",
		"GET / HTTP/1.1\nHost: h\n\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n",
		// Differences the fuzzer found, now agreed on.
		"0",
		"0 * HTTP/1.1\nHost:\n\n0",
		"0 * HTTP/1.1\nHost:\nTrAnsfer-EnCoding:Chunked\n 00\n\n",
		"000 /00000 HTTP/0.0\r\n0000:00\r \n\r\n",
		"CONNECT  HTTP/0.0\n0 :\n\n",
		"0 * HTTP/1.1\nHost:\nTrAnsfer-EnCoding:Chunked\n\n0\r\n\n",
		"0 * HTTP/0.0\nTrAnsfer-EnCoding:0000000\n\n",
		"POST /0 HTTP/1.1\r\nHost:000\n00000000000000000:000000000\n\r\n\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	var ours, theirs recorder
	addrOurs := start(f, &ours)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	srv := &http.Server{Handler: &theirs, MaxHeaderBytes: 10240 - 4096, ErrorLog: nil}
	go srv.Serve(ln)
	f.Cleanup(func() { srv.Shutdown(context.Background()) })
	addrTheirs := ln.Addr().String()

	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 4096 {
			return // within both servers' first read, so limits agree
		}
		gotStatus := exchange(t, addrOurs, raw)
		wantStatus := exchange(t, addrTheirs, raw)
		got, want := ours.take(), theirs.take()
		if slices.Equal(got, want) && slices.Equal(gotStatus, wantStatus) {
			return
		}
		if n := len(got); obsFold(raw) && n <= len(want) && slices.Equal(got, want[:n]) &&
			len(gotStatus) == n+1 && gotStatus[n] == 400 && len(wantStatus) >= n && slices.Equal(gotStatus[:n], wantStatus[:n]) {
			return // refused at the folded line, where net/http went on
		}
		t.Fatalf("input %q\nhttpserve: statuses %v\n%s\nnet/http: statuses %v\n%s", raw, gotStatus, strings.Join(got, "\n--\n"), wantStatus, strings.Join(want, "\n--\n"))
	})
}

// obsFold: a line of the input starts with a space or a tab.
func obsFold(raw []byte) bool {
	return strings.Contains(string(raw), "\n ") || strings.Contains(string(raw), "\n\t")
}
