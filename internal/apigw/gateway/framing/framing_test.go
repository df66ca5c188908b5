package framing

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// scan feeds stream in pieces of size step (all of it when step is 0) and
// returns the index of the first request with both framings, or -1, and
// how many heads the scanner completed.
func scan(stream string, step int) (int, int) {
	var s scanner
	if step <= 0 {
		step = len(stream) + 1
	}
	for len(stream) > 0 {
		n := min(step, len(stream))
		if i, found := s.feed([]byte(stream[:n])); found {
			return i, s.requests
		}
		stream = stream[n:]
	}
	return -1, s.requests
}

func TestScanner(t *testing.T) {
	const smuggled = "POST /s HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	for _, tc := range []struct {
		name     string
		stream   string
		want     int // index of the ambiguous request, -1 for none
		requests int // heads completed when there is none
	}{
		{"get", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", -1, 1},
		{"both", smuggled, 0, 1},
		{"both, lower case, no spaces", "POST / HTTP/1.1\r\ntransfer-encoding:chunked\r\ncontent-length:0\r\n\r\n", 0, 1},
		{"both, HTTP/1.0", "POST / HTTP/1.0\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\nx", 0, 1},
		{"after a content-length body", "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + smuggled, 1, 2},
		{"after a chunked body with extensions and trailers",
			"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n" + smuggled, 1, 2},
		{"inside a content-length body", "POST / HTTP/1.1\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled, -1, 1},
		{"inside a chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(smuggled)), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n", -1, 1},
		{"empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\n\r\n" + smuggled, 1, 2},
		{"bare LF line ends", "GET / HTTP/1.1\nHost: h\n\nPOST / HTTP/1.1\nContent-Length: 1\nTransfer-Encoding: chunked\n\n", 1, 2},
		{"HTTP/1.0 ignores Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\nGET / HTTP/1.1\r\n\r\n", -1, 2},
		{"an unknown coding stops the scan", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, -1, 1},
		{"a bad length stops the scan", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n" + smuggled, -1, 1},
		{"a bad chunk size stops the scan", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + smuggled, -1, 1},
		{"a long header is judged by its start", "GET / HTTP/1.1\r\nX-Long: " + strings.Repeat("a", 5000) + "\r\n\r\n" + smuggled, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range []int{0, 1, 2, 3, 7, 64} {
				got, requests := scan(tc.stream, step)
				if got != tc.want || tc.want < 0 && requests != tc.requests {
					t.Fatalf("fed %d bytes at a time: ambiguous request %d after %d heads, want %d after %d", step, got, requests, tc.want, tc.requests)
				}
			}
		})
	}
}

// FuzzScanner: however a stream is cut into reads, the scanner reaches
// the same verdict; and it never loses count of requests that net/http
// reads from the same bytes, so the verdict lands on the right request.
func FuzzScanner(f *testing.F) {
	f.Add("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 3)
	f.Add("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 5)
	f.Add("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n", 1)
	f.Add("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nab", 2)
	f.Fuzz(func(t *testing.T, stream string, step int) {
		whole, n := scan(stream, 0)
		if cut, m := scan(stream, step%17); cut != whole || whole < 0 && m != n {
			t.Fatalf("cut every %d bytes: %d after %d heads; whole: %d after %d", step%17, cut, m, whole, n)
		}
		// net/http's own reading of the stream, request by request, as the
		// server does it (bodies read to the end).
		br := bufio.NewReader(strings.NewReader(stream))
		for i := 0; ; i++ {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, err = io.Copy(io.Discard, r.Body)
			if whole >= 0 && i == whole {
				return // the server refuses it and closes the connection
			}
			if whole < 0 && i >= n {
				t.Fatalf("net/http read request %d (%s %s), the scanner only %d heads", i, r.Method, r.URL, n)
			}
			if err != nil {
				return
			}
		}
	})
}

// BenchmarkScanner: the scanner's cost for a typical keep-alive request
// (a head of about 200 bytes, no body), per request.
func BenchmarkScanner(b *testing.B) {
	req := []byte("GET /pets/42?include=owner HTTP/1.1\r\nHost: a1b2c3d4e5.execute-api.localhost:8080\r\nUser-Agent: wrk\r\n" +
		"Accept: application/json\r\nAuthorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln\r\n\r\n")
	var s scanner
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if _, found := s.feed(req); found {
			b.Fatal("ambiguous")
		}
	}
}
