package gateway_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
)

// TestBodies: request bodies reach the backend whole, framed by the
// gateway (Content-Length or chunked); over the 10 MB quota is 413.
func TestBodies(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a")
	f.proxyAll(a.port)
	url := f.env.URL(f.apiID, "/up")

	for _, tc := range []struct {
		name    string
		body    io.Reader
		length  int64
		status  int
		backend string // the body the backend must see
	}{
		{"content-length", strings.NewReader("hello"), 5, 200, "hello"},
		{"chunked", io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo")), -1, 200, "hello"},
		{"declared too large", strings.NewReader("x"), 10<<20 + 1, 413, ""},
		{"chunked too large", io.LimitReader(zeros{}, 10<<20+1), -1, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.hits.Load()
			req, _ := http.NewRequest("POST", url, tc.body)
			req.ContentLength = tc.length
			if tc.name == "declared too large" {
				// Declare the size without sending it: the gateway must
				// refuse on the header alone.
				req.Body = io.NopCloser(io.LimitReader(zeros{}, tc.length))
			}
			resp, err := f.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if tc.status == 413 {
				if string(body) != `{"message":"Request Entity Too Large"}` {
					t.Fatalf("body %q", body)
				}
				if tc.name == "declared too large" && a.hits.Load() != before {
					t.Fatal("the backend was called")
				}
				return
			}
			if got := decodeSeen(t, body); got.Body != tc.backend {
				t.Fatalf("backend saw body %q", got.Body)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestHostileRequests sends what a client library would not: none reaches
// the backend. Most are refused with 4xx by net/http or the router; an
// unknown transfer coding is 501 (RFC 9112 6.1), and "OPTIONS *" is
// answered by net/http itself. (net/http accepts a bare LF as a line end;
// that is harmless here, since the gateway re-frames every request it
// forwards.)
func TestHostileRequests(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a")
	f.proxyAll(a.port)
	host := f.apiID + ".execute-api.localhost"
	for _, tc := range []struct {
		name string
		raw  string
		want int // 0: any 4xx
	}{
		{"huge header", "GET /x HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + strings.Repeat("a", 11000) + "\r\n\r\n", 0},
		{"content-length and chunked disagree", "POST /x HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0},
		{"content-length and transfer-encoding", "POST /x HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"transfer-encoding and zero content-length", "POST /x HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n", 400},
		{"both in HTTP/1.0", "POST /x HTTP/1.0\r\nHost: " + host + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"bad chunk", "POST /x HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 0},
		{"unknown transfer coding", "POST /x HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"dot segments", "GET /a/../x HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 0},
		{"encoded dot segments", "GET /a/%2e%2E/x HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 0},
		{"encoded slash traversal", "GET /a/..%2Fx HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 0},
		{"control character", "GET /a%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 0},
		{"NUL in header", "GET /x HTTP/1.1\r\nHost: " + host + "\r\nX-A: a\x00b\r\n\r\n", 0},
		{"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 200},
		{"no host", "GET /x HTTP/1.1\r\n\r\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.hits.Load()
			status := rawRequest(t, "127.0.0.1:"+f.env.GatewayPort, tc.raw)
			if tc.want != 0 && status != tc.want || tc.want == 0 && (status < 400 || status > 499) {
				t.Fatalf("status %d, want %d (0: any 4xx)", status, tc.want)
			}
			time.Sleep(10 * time.Millisecond)
			if a.hits.Load() != before {
				t.Fatal("the backend was called")
			}
		})
	}
}

// TestSmugglingOnOneConnection: on a keep-alive connection, requests
// before one that carries both Content-Length and Transfer-Encoding are
// served, that one is refused, and the connection is closed after it, so
// nothing its body hides is read as a request. A body that merely contains
// such a head, framed unambiguously, is just a body.
func TestSmugglingOnOneConnection(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a")
	f.proxyAll(a.port)
	host := f.apiID + ".execute-api.localhost"
	hidden := "GET /hidden HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
	chunk := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(hidden), hidden)
	stream := "POST /one HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + strconv.Itoa(len(hidden)) + "\r\n\r\n" + hidden +
		"POST /two HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk +
		"POST /three HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
		"GET /four HTTP/1.1\r\nHost: " + host + "\r\n\r\n"

	c, err := net.Dial("tcp", "127.0.0.1:"+f.env.GatewayPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, stream); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []int{200, 200, 400} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading the answer that should be %d: %v", want, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
		}
		if want == 200 && decodeSeen(t, body).Body != hidden {
			t.Fatalf("backend saw body %q", decodeSeen(t, body).Body)
		}
		if want == 400 && (!resp.Close || string(body) != `{"message":"Bad Request"}`) {
			t.Fatalf("refusal: close %v, body %s", resp.Close, body)
		}
	}
	if resp, err := http.ReadResponse(br, nil); err == nil {
		t.Fatalf("an answer after the refusal: %d", resp.StatusCode)
	}
	if n := a.hits.Load(); n != 2 {
		t.Fatalf("the backend got %d requests, want 2", n)
	}
}

// rawRequest writes raw to addr and returns the status of the first answer.
func rawRequest(t *testing.T, addr, raw string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestStaleConnections: a backend that closes idle keep-alive connections
// (as Node does after 5 s) costs no failed request: a connection idle long
// enough to be suspect is checked before reuse, and a safe request that
// meets a connection closed under it is retried on a fresh one.
func TestStaleConnections(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a", func(s *http.Server) { s.IdleTimeout = 50 * time.Millisecond })
	f.proxyAll(a.port)
	for _, pause := range []time.Duration{0, 200 * time.Millisecond, 1500 * time.Millisecond} {
		time.Sleep(pause)
		if r := f.do("GET", "/x", nil); r.status != 200 {
			t.Fatalf("after %v idle: %d %s", pause, r.status, r.body)
		}
	}
	if n := a.conns.Load(); n < 2 {
		t.Fatalf("%d backend connections: the idle timeout never closed one, so nothing was tested", n)
	}
}

// TestHTTPSIntegration: an https public URL goes through http.Transport,
// with the integration's timeout and the same relaying.
func TestHTTPSIntegration(t *testing.T) {
	backend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.Header.Get("X-Sleep")); err == nil {
			time.Sleep(d)
		}
		w.Header().Set("X-Backend", "tls")
		io.WriteString(w, r.Method+" "+r.RequestURI+" "+strings.Join(r.Header.Values("Via"), "|")+" "+r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(backend.Close)
	pool := x509.NewCertPool()
	pool.AddCert(backend.Certificate())
	env := apigwtest.Start(t, func(c *gateway.Config) { c.TLSClientConfig = &tls.Config{RootCAs: pool} })
	f := fixtureFor(t, env)
	f.route("ANY /{proxy+}", f.urlIntegration(backend.URL, nil, 200))
	f.stage("$default", true, nil, nil)
	r := f.do("POST", "/a/b?c=d", http.Header{"Via": {"1.1 edge"}, "X-Forwarded-For": {"10.0.0.1"}})
	if r.status != 200 || string(r.body) != "POST /a/b?c=d 1.1 edge|HTTP/1.1 AmazonAPIGateway 10.0.0.1, 127.0.0.1" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if r := f.do("GET", "/slow", http.Header{"X-Sleep": {"400ms"}}); r.status != 503 {
		t.Fatalf("timeout: %d %s", r.status, r.body)
	}
}

// TestExpectContinue: a client that sends Expect: 100-continue gets the
// interim answer once the gateway reads the body to forward it, and the
// backend sees the body (and no Expect: it was answered here).
func TestExpectContinue(t *testing.T) {
	f := newFixture(t)
	a := newBackend(t, "a")
	f.proxyAll(a.port)
	c, err := net.Dial("tcp", "127.0.0.1:"+f.env.GatewayPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: "+f.apiID+".execute-api.localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q %v, want the interim 100 Continue", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "hello")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if seen := decodeSeen(t, body); seen.Body != "hello" || seen.Header.Get("Expect") != "" {
		t.Fatalf("backend saw body %q, Expect %q", seen.Body, seen.Header.Get("Expect"))
	}
}
