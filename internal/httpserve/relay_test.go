package httpserve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/httpserve"
)

// TestRelayHead: a relayed head goes out as it was handed over, in its
// order, with the server's framing and the Date and Content-Type it adds
// only where the head has none.
func TestRelayHead(t *testing.T) {
	big := strings.Repeat("r", 10000)
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := httpserve.Head{Fields: []byte("X-B: 2\r\nX-A: 1\r\nX-B: 3\r\n"), ContentLength: -1}
		body := "<html>relayed</html>"
		switch r.URL.Path {
		case "/dated":
			h.Fields = append(h.Fields, "Date: Mon, 02 Jan 2006 15:04:05 GMT\r\nContent-Type: text/plain\r\n"...)
			h.HasDate, h.HasContentType = true, true
		case "/declared":
			h.ContentLength = int64(len(body))
		case "/big":
			body = big
		case "/nocontent":
			h.ContentLength = 7
			w.(httpserve.HeadRelayer).RelayHead(204, h)
			return
		}
		w.(httpserve.HeadRelayer).RelayHead(201, h)
		h.Fields[0] = 'Z' // the server copied the fields
		io.WriteString(w, body)
	}))
	c, br := dial(t, addr)
	for _, tc := range []struct {
		method, path string
		status       int
		length       int64
		chunked      bool
		contentType  string
		date         string
		body         string
	}{
		{"GET", "/", 201, 20, false, "text/html; charset=utf-8", "", "<html>relayed</html>"},
		{"GET", "/dated", 201, 20, false, "text/plain", "Mon, 02 Jan 2006 15:04:05 GMT", "<html>relayed</html>"},
		{"GET", "/declared", 201, 20, false, "", "", "<html>relayed</html>"},
		{"GET", "/big", 201, -1, true, "", "", big},
		{"HEAD", "/declared", 201, 20, false, "", "", ""},
		{"GET", "/nocontent", 204, 0, false, "", "", ""},
	} {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: h\r\n\r\n", tc.method, tc.path)
		resp, body := read(t, br, tc.method)
		chunked := len(resp.TransferEncoding) > 0
		if resp.StatusCode != tc.status || resp.ContentLength != tc.length || chunked != tc.chunked {
			t.Errorf("%s %s: %d, length %d, chunked %v", tc.method, tc.path, resp.StatusCode, resp.ContentLength, chunked)
		}
		if got := resp.Header["X-B"]; tc.status != 204 && (len(got) != 2 || got[0] != "2" || got[1] != "3" || resp.Header.Get("X-A") != "1") {
			t.Errorf("%s: fields %v", tc.path, resp.Header)
		}
		if tc.contentType != "" && resp.Header.Get("Content-Type") != tc.contentType {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, resp.Header.Get("Content-Type"), tc.contentType)
		}
		if date := resp.Header["Date"]; len(date) != 1 || tc.date != "" && date[0] != tc.date {
			t.Errorf("%s: Date %q", tc.path, date)
		}
		if body != tc.body {
			t.Errorf("%s %s: body of %d bytes, want %d", tc.method, tc.path, len(body), len(tc.body))
		}
		// A 204 has no Content-Length, the relayed head's declared 7 or not.
		if cl, ok := resp.Header["Content-Length"]; tc.status == 204 && ok {
			t.Errorf("%s: Content-Length %q on a 204", tc.path, cl)
		}
	}
}

// TestReused: what a connection keeps for the handler persists from one
// request to the next, each connection has its own, another type takes
// the place, and a writer that is not the server's keeps nothing.
func TestReused(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/other" {
			*httpserve.Reused[string](w) = "other"
			return
		}
		n := httpserve.Reused[int](w)
		*n++
		fmt.Fprint(w, *n)
	}))
	for conn := range 2 {
		c, br := dial(t, addr)
		for _, tc := range []struct{ path, want string }{{"/", "1"}, {"/", "2"}, {"/", "3"}, {"/other", ""}, {"/", "1"}} {
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", tc.path)
			if _, body := read(t, br, "GET"); body != tc.want {
				t.Fatalf("connection %d, %s: the connection kept %q, want %q", conn, tc.path, body, tc.want)
			}
		}
	}
	w := httptest.NewRecorder()
	first, second := httpserve.Reused[int](w), httpserve.Reused[int](w)
	if first == second {
		t.Fatal("a recorder kept what it was given")
	}
}
