package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestRelayedHead: a backend's answer reaches the client with its fields
// (names in canonical case, values trimmed, repeated ones all there) and
// without the hop-by-hop ones: the listed ones, those its Connection field
// names, and Connection itself. Raw bytes on both sides, so nothing in
// between tidies the head.
func TestRelayedHead(t *testing.T) {
	f := newFixture(t)
	f.proxyAll(scriptedBackend(t, "HTTP/1.1 203 Non-Authoritative Information\r\n"+
		"content-type: text/plain\r\n"+
		"x-multi: one\r\n"+
		"Connection: keep-alive, X-Hop\r\n"+
		"X-Hop: hop\r\n"+
		"Keep-Alive: timeout=5\r\n"+
		"Upgrade: h2c\r\n"+
		"X-MULTI:   two  \r\n"+
		"Content-Length: 5\r\n"+
		"\r\nhello"))

	for range 2 { // a fresh upstream connection, then a kept one
		resp, body := rawGet(t, f)
		h := resp.Header
		if resp.StatusCode != 203 || body != "hello" || resp.ContentLength != 5 {
			t.Fatalf("%d %q (length %d)", resp.StatusCode, body, resp.ContentLength)
		}
		if got := h["X-Multi"]; len(got) != 2 || got[0] != "one" || got[1] != "two" || h.Get("Content-Type") != "text/plain" {
			t.Errorf("relayed fields %v", h)
		}
		for _, k := range []string{"Connection", "X-Hop", "Keep-Alive", "Upgrade"} {
			if v, ok := h[k]; ok {
				t.Errorf("hop-by-hop %s: %q relayed", k, v)
			}
		}
		if len(h["Date"]) != 1 || h.Get("Apigw-Requestid") == "" {
			t.Errorf("the gateway's own fields: %v", h)
		}
	}
}

// TestStatusBelow100: an answer with a status no server can send
// (net/http reads "000") fails the integration: 503, as for a target that
// does not answer.
func TestStatusBelow100(t *testing.T) {
	f := newFixture(t)
	f.proxyAll(scriptedBackend(t, "HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n"))
	if resp, body := rawGet(t, f); resp.StatusCode != 503 || resp.Header.Get("Apigw-Requestid") == "" {
		t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// scriptedBackend answers every request with the bytes of answer, and
// returns its port.
func scriptedBackend(t *testing.T, answer string) int {
	return int(awstest.ServeTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			if _, err := io.WriteString(c, answer); err != nil {
				return
			}
		}
	}).Port())
}

// rawGet sends GET /x to the fixture's API on a connection of its own.
func rawGet(t *testing.T, f *fixture) (*http.Response, string) {
	c, err := net.Dial("tcp", "127.0.0.1:"+f.env.GatewayPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: "+f.apiID+".execute-api.localhost\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestIDsPerRequestOnOneConnection: requests on one kept-alive connection,
// pipelined and one after another, each get ids of their own (the
// connection reuses the memory they are made in): distinct Apigw-Requestid
// values of HTTP APIs' form on the answers, distinct trace ids forwarded.
func TestIDsPerRequestOnOneConnection(t *testing.T) {
	f := newFixture(t)
	f.proxyAll(int(awstest.ServeTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			trace := req.Header.Get("X-Amzn-Trace-Id")
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(trace), trace)
		}
	}).Port()))
	c, err := net.Dial("tcp", "127.0.0.1:"+f.env.GatewayPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET /x HTTP/1.1\r\nHost: " + f.apiID + ".execute-api.localhost\r\n\r\n"
	br := bufio.NewReader(c)
	ids, traces := map[string]bool{}, map[string]bool{}
	read := func() {
		t.Helper()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		id := resp.Header.Get("Apigw-Requestid")
		if !regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`).MatchString(id) || !strings.HasPrefix(string(body), "Root=1-") || ids[id] || traces[string(body)] {
			t.Fatalf("answer %d: request id %q, forwarded trace %q; seen before: %v %v", len(ids), id, body, ids, traces)
		}
		ids[id], traces[string(body)] = true, true
	}
	io.WriteString(c, req+req+req) // pipelined: answered in turn
	for range 3 {
		read()
	}
	for range 2 {
		io.WriteString(c, req)
		read()
	}
}
