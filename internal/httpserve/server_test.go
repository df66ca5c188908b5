package httpserve_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/httpserve"
)

// start serves h on a loopback listener until the test ends and returns
// its address.
func start(t testing.TB, h http.Handler, tune ...func(*httpserve.Config)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpserve.Config{Handler: h, MaxHeadBytes: 10240, EventLoop: eventLoop}
	for _, f := range tune {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserve.Serve(ctx, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// dial opens a connection with a deadline that ends a stuck test.
func dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func read(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading an answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return resp, string(b)
}

// echo answers with what it saw: method, target, host, body and trailers.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	fmt.Fprintf(w, "%s %s %s %q trailer=%v", r.Method, r.RequestURI, r.Host, body, r.Trailer)
})

// TestPipelining: requests sent together are answered in order, on one
// connection, with bodies framed either way.
func TestPipelining(t *testing.T) {
	addr := start(t, echo)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"+
		"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"+
		"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\nX-Sum: 3\r\n\r\n"+
		"GET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	for _, want := range []string{
		`GET /a h "" trailer=map[]`,
		`POST /b h "abc" trailer=map[]`,
		`POST /c h "def" trailer=map[X-Sum:[3]]`,
		`GET /d h "" trailer=map[]`,
	} {
		resp, body := read(t, br, "GET")
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("%d %q, want %q", resp.StatusCode, body, want)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after Connection: close: %v, want EOF", err)
	}
}

// TestKeepAliveRules: HTTP/1.0 closes unless it asks to keep alive; an
// answer without a length to an HTTP/1.0 client ends with the connection.
func TestKeepAliveRules(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			w.Write(bytes.Repeat([]byte("x"), 5000)) // over the buffer: no length known
			return
		}
		io.WriteString(w, "ok")
	}))
	for _, tc := range []struct {
		name, req string
		close     bool
		conn      string // the answer's Connection field (ReadResponse drops "close": see Close)
	}{
		{"1.0", "GET / HTTP/1.0\r\n\r\n", true, ""},
		{"1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false, "keep-alive"},
		{"1.0 keep-alive, no length", "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, ""},
		{"1.1", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", false, ""},
		{"1.1 close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, addr)
			io.WriteString(c, tc.req)
			resp, _ := read(t, br, "GET")
			if got := resp.Header.Get("Connection"); got != tc.conn || resp.Close != tc.close && tc.name != "1.0" {
				t.Errorf("Connection %q close %v, want %q %v", got, resp.Close, tc.conn, tc.close)
			}
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			_, err := br.ReadByte()
			closed := err == io.EOF
			if closed != tc.close {
				t.Errorf("closed %v (%v), want %v", closed, err, tc.close)
			}
		})
	}
}

// TestRefusals: what net/http refuses, refused with its status.
func TestRefusals(t *testing.T) {
	var calls sync.Map
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Store(r.RequestURI, true) }))
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"head at the limit", "GET /ok HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 10240-len("GET /ok HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n")) + "\r\n\r\n", 200},
		{"head over the limit", "GET /big HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 10240) + "\r\n\r\n", 431},
		{"no host", "GET /x HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"unknown coding", "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"two lengths", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"bad length", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
		{"obs-fold", "GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", 400},
		{"space in name", "GET /x HTTP/1.1\r\nHost: h\r\nX A: a\r\n\r\n", 400},
		{"NUL in value", "GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\x00\r\n\r\n", 400},
		{"HTTP/2.0", "GET /x HTTP/2.0\r\nHost: h\r\n\r\n", 505},
		{"bad version", "GET /x HTTP/1.x\r\nHost: h\r\n\r\n", 400},
		{"unsupported expectation", "GET /x HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, addr)
			io.WriteString(c, tc.req)
			resp, _ := read(t, br, "GET")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
	calls.Range(func(k, _ any) bool {
		if k != "/ok" {
			t.Errorf("the handler saw %v", k)
		}
		return true
	})
}

// TestAmbiguous: a request with both framings reaches the handler marked,
// framed as chunked, and nothing after it on the connection is read.
func TestAmbiguous(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		amb, _ := httpserve.Ambiguous(r)
		fmt.Fprintf(w, "%v %q", amb, body)
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"+
		"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"+
		"GET /hidden HTTP/1.1\r\nHost: h\r\n\r\n")
	for _, want := range []string{`false ""`, `true "x"`} {
		_, body := read(t, br, "GET")
		if body != want {
			t.Fatalf("%q, want %q", body, want)
		}
	}
	if resp, err := http.ReadResponse(br, nil); err == nil {
		t.Fatalf("an answer after the ambiguous request: %d", resp.StatusCode)
	}
}

// TestExpectContinue: 100 Continue is sent when the handler reads the
// body, not before; a handler that answers without reading gets none and
// the connection closes (the client never sent the body).
func TestExpectContinue(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		echo(w, r)
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q %v, want 100 Continue", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "hello")
	if _, body := read(t, br, "PUT"); body != `PUT /x h "hello" trailer=map[]` {
		t.Fatalf("body %q", body)
	}

	c, br = dial(t, addr)
	io.WriteString(c, "PUT /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := read(t, br, "PUT")
	if resp.StatusCode != 403 || !resp.Close {
		t.Fatalf("status %d close %v, want 403 and close", resp.StatusCode, resp.Close)
	}
}

// TestResponseFraming: the server picks Content-Length for what fits its
// buffer, chunked beyond it or after a Flush, nothing for HEAD and 204,
// and sends declared trailers.
func TestResponseFraming(t *testing.T) {
	big := strings.Repeat("b", 100000)
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, "small")
		case "/big":
			io.WriteString(w, big)
		case "/flush":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		case "/declared":
			w.Header().Set("Content-Length", "100000")
			io.WriteString(w, big)
		case "/trailer":
			w.Header().Set("Trailer", "X-Digest")
			io.WriteString(w, "t")
			w.Header().Set("X-Digest", "d1")
		case "/nocontent":
			w.WriteHeader(204)
		case "/nocontent-declared":
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(204)
		}
	}))
	c, br := dial(t, addr)
	for _, tc := range []struct {
		method, path string
		length       int64
		chunked      bool
		body         string
	}{
		{"GET", "/small", 5, false, "small"},
		{"GET", "/big", -1, true, big},
		{"GET", "/flush", -1, true, "ab"},
		{"GET", "/declared", 100000, false, big},
		{"GET", "/trailer", -1, true, "t"},
		{"HEAD", "/small", 5, false, ""},
		{"GET", "/nocontent", 0, false, ""},
		{"GET", "/nocontent-declared", 0, false, ""},
	} {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: h\r\n\r\n", tc.method, tc.path)
		resp, body := read(t, br, tc.method)
		chunked := len(resp.TransferEncoding) > 0
		if resp.ContentLength != tc.length || chunked != tc.chunked || body != tc.body {
			t.Errorf("%s %s: length %d chunked %v body %d bytes", tc.method, tc.path, resp.ContentLength, chunked, len(body))
		}
		if tc.path == "/trailer" && resp.Trailer.Get("X-Digest") != "d1" {
			t.Errorf("trailer %v", resp.Trailer)
		}
		if resp.Header.Get("Date") == "" {
			t.Errorf("%s: no Date", tc.path)
		}
		if cl, ok := resp.Header["Content-Length"]; resp.StatusCode == 204 && ok {
			t.Errorf("%s: Content-Length %q on a 204 (net/http sends none)", tc.path, cl)
		}
	}
}

// TestStreaming: a body larger than any buffer passes both ways while
// the handler copies it, each side streaming.
func TestStreaming(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r.Body)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		w.Header().Set("X-Sum", fmt.Sprintf("%x", h.Sum(nil)))
		_ = n
	}))
	const size = 32 << 20
	src := io.LimitReader(zeros{}, size)
	req, _ := http.NewRequest("POST", "http://"+addr+"/", src)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size {
		t.Fatalf("%d bytes back, %v", n, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestClientGone: a client that goes away while its request is in flight
// cancels the request's context.
func TestClientGone(t *testing.T) {
	cancelled := make(chan error, 1)
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(30 * time.Second):
			cancelled <- errors.New("not cancelled")
		}
	}))
	c, _ := dial(t, addr)
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	c.Close()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("context: %v", err)
	}
}

// TestHijack: a handler takes the connection over (as an upgrade does).
func TestHijack(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer nc.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo " + line)
		rw.Flush()
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("%v %v", resp, err)
	}
	io.WriteString(c, "hi\n")
	if line, _ := br.ReadString('\n'); line != "echo hi\n" {
		t.Fatalf("%q", line)
	}
}

// TestGracefulShutdown: once the context ends, a request in flight
// finishes (its answer says Connection: close), idle connections are
// closed, and Serve returns.
func TestGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- httpserve.Serve(ctx, ln, httpserve.Config{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				close(started)
				<-release
			}
			io.WriteString(w, "done")
		})})
	}()
	idle, ibr := dial(t, ln.Addr().String())
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	read(t, ibr, "GET")
	busy, bbr := dial(t, ln.Addr().String())
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	<-started
	cancel()
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
	close(release)
	resp, body := read(t, bbr, "GET")
	if body != "done" || !resp.Close {
		t.Fatalf("in-flight request: %q close %v", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPipelinedWhileHandling: a request that arrives while the one before
// it is still being handled (after the server read the connection, before
// it answered) is served too: the wait for the next request after an
// answer (sink.go) may sleep through it, and the warden wakes it.
func TestPipelinedWhileHandling(t *testing.T) {
	inFirst, release := make(chan struct{}), make(chan struct{})
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			close(inFirst)
			<-release
		}
		io.WriteString(w, r.URL.Path)
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
	<-inFirst
	io.WriteString(c, "GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // let it reach the server's socket before the answer
	close(release)
	for _, want := range []string{"/first", "/second"} {
		if _, body := read(t, br, "GET"); body != want {
			t.Fatalf("%q, want %q", body, want)
		}
	}
}

// TestPOSTWithTrailingCRLF: an old client's extra CRLF after a POST body
// is skipped, and the answer is not held back waiting for more.
func TestPOSTWithTrailingCRLF(t *testing.T) {
	addr := start(t, echo)
	c, br := dial(t, addr)
	io.WriteString(c, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab\r\n")
	if _, body := read(t, br, "POST"); body != `POST /a h "ab" trailer=map[]` {
		t.Fatalf("%q", body)
	}
	io.WriteString(c, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, body := read(t, br, "GET"); body != `GET /b h "" trailer=map[]` {
		t.Fatalf("%q", body)
	}
}
