package alb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// forwardTo serves addr with one rule forwarding everything to target,
// the load balancer's idle timeout idle.
func forwardTo(t *testing.T, addr string, target netip.AddrPort, idle time.Duration) string {
	t.Helper()
	a := runALB(t)
	if err := a.Update(&Snapshot{Listeners: []Listener{{Address: netip.MustParseAddrPort(addr), IdleTimeout: idle, Rules: []Rule{{Action: Action{Type: ActionForward,
		Forward: []WeightedGroup{{Group: TargetGroup{ID: "tg", Targets: []Target{{Key: "k", Address: target, State: StateHealthy}}}}}}}}}}}); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

func serveHTTP(t *testing.T, h http.HandlerFunc) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return netip.MustParseAddrPort(ln.Addr().String())
}

// What reaches the target and what comes back: bodies of both framings,
// hop-by-hop fields dropped both ways, the ALB's own X-Forwarded-* in
// place of the client's, trailers, HEAD.
func TestForwardWire(t *testing.T) {
	target := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Connection", "X-Hop")
		w.Header().Set("X-Hop", "no")
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("X-Seen-For", strings.Join(r.Header.Values("X-Forwarded-For"), "|"))
		w.Header().Set("X-Seen-Port", strings.Join(r.Header.Values("X-Forwarded-Port"), "|"))
		w.Header().Set("X-Seen-Trace", strings.Join(r.Header.Values("X-Amzn-Trace-Id"), "|"))
		fmt.Fprintf(w, "%s %s te=%v cl=%d proto=%s secret=%q auth=%q body=%s", r.Method, r.RequestURI, r.TransferEncoding, r.ContentLength,
			r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Secret"), r.Header.Get("Proxy-Authorization"), body)
		w.Header().Set("X-Sum", "42")
	})
	base := forwardTo(t, "127.0.130.120:18083", target, 0)
	c := &http.Client{Timeout: 5 * time.Second}
	do := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	req, _ := http.NewRequest("POST", base+"/a%2Fb?x=1&y", strings.NewReader("hello"))
	req.Header.Set("Connection", "X-Secret")
	req.Header.Set("X-Secret", "s")
	req.Header.Set("Proxy-Authorization", "Basic x")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("X-Forwarded-Port", "1")
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Self=1-0-0;Sampled=1")
	resp, body := do(req)
	if want := `POST /a%2Fb?x=1&y te=[] cl=5 proto=http secret="" auth="" body=hello`; body != want {
		t.Errorf("the target got %q, want %q", body, want)
	}
	// The client's address after the list it sent; the listener's port; a
	// new Self ahead of the client's Root, its own Self dropped.
	if got := resp.Header.Get("X-Seen-For"); got != "10.0.0.1, 127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if got := resp.Header.Get("X-Seen-Port"); got != "18083" {
		t.Errorf("X-Forwarded-Port %q", got)
	}
	if got := resp.Header.Get("X-Seen-Trace"); !regexp.MustCompile(`^Self=1-[0-9a-f]{8}-[0-9a-f]{24};Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1$`).MatchString(got) {
		t.Errorf("X-Amzn-Trace-Id %q", got)
	}
	if resp.Header.Get("X-Hop") != "" || resp.Trailer.Get("X-Sum") != "42" {
		t.Errorf("answer header %v, trailer %v: want X-Hop dropped and X-Sum relayed", resp.Header, resp.Trailer)
	}

	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("chunked ")); pw.Write([]byte("body")); pw.Close() }()
	req, _ = http.NewRequest("PUT", base+"/c", pr)
	if resp, body = do(req); body != `PUT /c te=[chunked] cl=-1 proto=http secret="" auth="" body=chunked body` {
		t.Errorf("a chunked body: the target got %q", body)
	}
	// With none from the client: its address alone, and a new Root.
	if got := resp.Header.Get("X-Seen-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if got := resp.Header.Get("X-Seen-Trace"); !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(got) {
		t.Errorf("X-Amzn-Trace-Id %q", got)
	}

	req, _ = http.NewRequest("HEAD", base+"/h", nil)
	if resp, body = do(req); resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
}

// The target's own cookies reach the client beside the ALB's stickiness
// cookie (an ALB adds AWSALB; it replaces nothing the application sets).
func TestForwardKeepsTargetCookies(t *testing.T) {
	target := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "session=s1; Path=/")
		w.Header().Add("Set-Cookie", "theme=dark; Path=/")
		io.WriteString(w, "ok")
	})
	a := runALB(t)
	group := TargetGroup{ID: "tg", Stickiness: time.Hour, Targets: []Target{{Key: "k", Address: target, State: StateHealthy}}}
	if err := a.Update(&Snapshot{Listeners: []Listener{{Address: netip.MustParseAddrPort("127.0.130.127:18083"),
		Rules: []Rule{{Action: Action{Type: ActionForward, Forward: []WeightedGroup{{Group: group}}}}}}}}); err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://127.0.130.127:18083/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	names := map[string]bool{}
	for _, c := range resp.Cookies() {
		names[c.Name] = true
	}
	if !names["AWSALB"] || !names["session"] || !names["theme"] || len(names) != 3 {
		t.Fatalf("cookies %v, want AWSALB, session and theme", resp.Header["Set-Cookie"])
	}
}

// A kept-alive connection the target closed is found out: a request sent
// on it just as it closes is sent again on a new one, and one idle for
// over a second is checked before use.
func TestForwardStaleConnection(t *testing.T) {
	var served, conns atomic.Int64
	// A target that answers one request per connection with keep-alive
	// and then closes it without saying so.
	target := awstest.ServeTCP(t, func(nc net.Conn) {
		conns.Add(1)
		if _, err := http.ReadRequest(bufio.NewReader(nc)); err != nil {
			return
		}
		n := served.Add(1)
		fmt.Fprintf(nc, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n%d", n%10)
	})
	base := forwardTo(t, "127.0.130.121:18083", target, 0)
	c := &http.Client{Timeout: 5 * time.Second}
	for i := range 3 {
		if i == 2 {
			time.Sleep(1100 * time.Millisecond) // past checkIdleOver: peeked, not retried
		}
		code, _ := get(t, c, base+"/")
		if code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	if served.Load() != 3 {
		t.Fatalf("the target answered %d requests, want 3", served.Load())
	}
	// A POST is never sent twice: on a stale connection it fails.
	resp, err := c.Post(base+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 502 {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	t.Logf("%d connections for %d answers", conns.Load(), served.Load())
}

// The idle timeout is an idle timer on the answer: a body that keeps
// coming outlasts it, one that stalls for it is cut off, and the client
// can tell (its connection is closed before the body's end).
func TestForwardIdleTimeout(t *testing.T) {
	target := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "6")
		for i := range 4 {
			w.Write([]byte{'a' + byte(i)})
			w.(http.Flusher).Flush()
			time.Sleep(500 * time.Millisecond)
		}
		if r.URL.Path == "/stall" {
			time.Sleep(4 * time.Second)
		}
		w.Write([]byte("ef"))
	})
	// A byte every 0.5 s for 2 s under a 1.5 s idle timeout; then a 4 s stall.
	base := forwardTo(t, "127.0.130.122:18083", target, 1500*time.Millisecond)
	c := &http.Client{Timeout: 10 * time.Second}
	if code, body := get(t, c, base+"/trickle"); code != 200 || body != "abcdef" {
		t.Fatalf("a body that trickles past a 1.5 s idle timeout: %d %q", code, body)
	}
	resp, err := c.Get(base + "/stall")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil || string(b) != "abcd" {
		t.Fatalf("a body that stalls for 4 s: %q, %v; want abcd and a cut connection", b, err)
	}
}

// A request asking to upgrade its connection (WebSocket) is switched
// through to the target, both ways.
func TestForwardUpgrade(t *testing.T) {
	target := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" || r.Header.Get("X-Forwarded-For") == "" {
			http.Error(w, "want an upgrade, forwarded", 400)
			return
		}
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer nc.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		io.Copy(nc, brw)
	})
	base := forwardTo(t, "127.0.130.123:18083", target, 0)
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(nc, "GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	io.WriteString(nc, "ping")
	got := make([]byte, 4)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "ping" {
		t.Fatalf("through the upgraded connection: %q %v", got, err)
	}
}

// FuzzTargetAnswer: whatever bytes a target answers with, the ALB answers
// the client with a whole HTTP response (the target's, or its own 502)
// or closes the connection once the target's body is cut short; it never
// hangs or panics, and its connection to the target is reused only after
// a complete answer.
func FuzzTargetAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n2\r\nok\r\n0\r\nX: 1\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close, X-A\r\nX-A: 1\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nuntil close"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"))
	f.Add([]byte("garbage"))
	var answer atomic.Pointer[[]byte]
	target := awstest.ServeTCP(f, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := nc.Write(*answer.Load()); err != nil {
				return
			}
			if strings.Contains(string(*answer.Load()), "Content-Length: 2\r\n") {
				continue // a complete answer: the connection may serve the next
			}
			return
		}
	})
	a := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	f.Cleanup(func() { cancel(); <-done })
	// Fuzzing runs this in several processes at once: each takes a port.
	free, err := net.Listen("tcp", "127.0.130.124:0")
	if err != nil {
		f.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	if err := a.Update(&Snapshot{Listeners: []Listener{{Address: netip.MustParseAddrPort(addr), IdleTimeout: time.Second, Rules: []Rule{{Action: Action{Type: ActionForward,
		Forward: []WeightedGroup{{Group: TargetGroup{ID: "tg", Targets: []Target{{Key: "k", Address: target, State: StateHealthy}}}}}}}}}}}); err != nil {
		f.Fatal(err)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		answer.Store(&raw)
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
				t.Fatalf("the ALB did not answer: %v", err)
			}
			return // a connection closed on a cut body
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil && strings.Contains(err.Error(), "Client.Timeout") {
			t.Fatalf("the ALB's body never ended: %v", err)
		}
	})
}

// A client connection idle between requests for the load balancer's idle
// timeout is closed, not before.
func TestClientIdleTimeout(t *testing.T) {
	const idle = 2 * time.Second
	target := serveHTTP(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	base := forwardTo(t, "127.0.130.125:18083", target, idle)
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	var sent time.Time
	for i := range 2 {
		if i == 1 {
			time.Sleep(idle / 4) // idle, well under the timeout
		}
		sent = time.Now()
		io.WriteString(nc, "GET / HTTP/1.1\r\nHost: app\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on the kept-alive connection: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	nc.SetReadDeadline(time.Now().Add(idle + 5*time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("an idle connection: %v, want closed by the ALB", err)
	}
	// The idle time starts after the answer, so after the request was sent.
	if closed := time.Since(sent); closed < idle {
		t.Fatalf("closed %v after the last request, before the %v idle timeout", closed, idle)
	}
}
