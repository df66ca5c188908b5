// Command floor is the cost floor of a keep-alive HTTP/1.1 reverse proxy
// written in Go, in each of two I/O models, for bench/floor.sh to set
// beside nginx and the gateway. Both do the least any such proxy does:
// read a request head, forward it with X-Forwarded-For on a pooled
// upstream connection, read the answer (Content-Length framed) and relay
// it unchanged. No routing, no validation beyond finding the frames: what
// each costs per request is what the I/O model itself costs.
//
//	floor -model goroutines -addr 127.0.0.1:0 -backend 127.0.0.1:PORT
//
// is a goroutine per client connection over net.Conn, as net/http and
// Portolan's gateway are built;
//
//	floor -model epoll ...
//
// is one thread waiting in epoll(7) on every socket and acting on each as
// it becomes readable, as nginx is built (Linux only). With -spin D it
// polls for up to D before it sleeps, trading CPU for the sleep and the
// wake-up an event arriving in that time would have cost. Each prints
// "ready <addr> floor" once it serves. Requests must be bodiless and
// answers small (one read each way in the common case); anything else is
// outside what a floor measures and ends the connection.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"strconv"
)

func main() {
	model := flag.String("model", "goroutines", "goroutines or epoll")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	backend := flag.String("backend", "", "the backend's ip:port")
	spin := flag.Duration("spin", 0, "epoll model: poll this long before sleeping")
	flag.Parse()
	var err error
	switch *model {
	case "goroutines":
		err = serveGoroutines(*addr, *backend)
	case "epoll":
		err = serveEpoll(*addr, *backend, *spin)
	case "coroutines":
		err = serveCoroutines(*addr, *backend)
	default:
		err = fmt.Errorf("unknown model %q", *model)
	}
	log.Fatal(err)
}

var (
	crlf2     = []byte("\r\n\r\n")
	errFramed = errors.New("a frame a floor does not handle")
)

// forward appends to out the request head in (ending in CRLF CRLF) as the
// backend gets it: the same request line and fields, Host set to the
// backend, X-Forwarded-For appended. It reports false for a head with a
// body (Content-Length or Transfer-Encoding).
func forward(out, in []byte, backend, clientIP string) ([]byte, bool) {
	line, rest, _ := bytes.Cut(in, []byte("\r\n"))
	out = append(out, line...)
	out = append(out, "\r\nHost: "...)
	out = append(out, backend...)
	out = append(out, "\r\n"...)
	for len(rest) > 2 {
		var field []byte
		field, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, _, _ := bytes.Cut(field, []byte(":"))
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")), bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return out, false
		case bytes.EqualFold(name, []byte("Host")), bytes.EqualFold(name, []byte("Connection")):
			continue
		}
		out = append(out, field...)
		out = append(out, "\r\n"...)
	}
	out = append(out, "X-Forwarded-For: "...)
	out = append(out, clientIP...)
	return append(out, "\r\n\r\n"...), true
}

// answerLength is the length of the whole answer at the start of in (head
// and Content-Length body), 0 while its head is incomplete.
func answerLength(in []byte) (int, error) {
	end := bytes.Index(in, crlf2)
	if end < 0 {
		return 0, nil
	}
	head := in[:end+2]
	i := bytes.Index(head, []byte("\r\nContent-Length: "))
	if i < 0 {
		return 0, errFramed
	}
	v, _, _ := bytes.Cut(head[i+len("\r\nContent-Length: "):], []byte("\r\n"))
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, errFramed
	}
	return end + 4 + n, nil
}
