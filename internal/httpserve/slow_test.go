package httpserve_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/httpserve"
)

// TestSlowClients: 1,000 kept-alive idle connections and 200 clients
// sending a head a few bytes at a time (slowloris) neither hold up a
// normal client nor cost more than a bounded amount of memory each; the
// slow heads are cut at the header timeout while the idle connections,
// within their idle timeout, stay.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,200 connections")
	}
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		func(c *httpserve.Config) {
			c.ReadHeaderTimeout = time.Second
			c.IdleTimeout = time.Minute
		})
	before := memInUse()

	idle := make([]net.Conn, 1000)
	idleReaders := make([]*bufio.Reader, len(idle))
	for i := range idle {
		c, br := dial(t, addr)
		io.WriteString(c, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
		if resp, _ := read(t, br, "GET"); resp.StatusCode != 200 {
			t.Fatalf("idle connection %d: status %d", i, resp.StatusCode)
		}
		idle[i], idleReaders[i] = c, br
	}
	slow := make([]net.Conn, 200)
	for i := range slow {
		c, _ := dial(t, addr)
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: h\r\nX-Slow: ")
		slow[i] = c
	}
	for _, c := range slow {
		io.WriteString(c, "a") // still going, never ending the head
	}

	// A normal client is served while all of them hang.
	c, br := dial(t, addr)
	io.WriteString(c, "GET /normal HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, body := read(t, br, "GET"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("normal client: %d %q", resp.StatusCode, body)
	}

	grown := memInUse() - before
	perConn := grown / uint64(len(idle)+len(slow))
	t.Logf("memory in use grew by %d KiB for %d connections (both ends in this process): %d bytes each", grown>>10, len(idle)+len(slow), perConn)
	if perConn > 64<<10 {
		t.Errorf("%d bytes per connection, want at most 64 KiB", perConn)
	}

	// The slow heads are cut (no answer: net/http sends none either).
	for i, c := range slow {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("slow client %d: read %d, %v; want the server to close", i, n, err)
		}
	}
	// The idle connections are still usable.
	for _, i := range []int{0, 499, 999} {
		io.WriteString(idle[i], "GET /again HTTP/1.1\r\nHost: h\r\n\r\n")
		resp, err := http.ReadResponse(idleReaders[i], nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("idle connection %d after the slow ones were cut: %v", i, err)
		}
	}
}

func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
