package upstream

import (
	"net/http"
	"slices"
	"testing"
)

// TestAddFields: each line's value follows the map's own for its name,
// and a value slice that shares its array with another's is copied, not
// written through.
func TestAddFields(t *testing.T) {
	shared := []string{"1.1 edge", "neighbour"}
	h := http.Header{"Via": shared[0:1], "X-Other": shared[1:2]}
	AddFields(h, []byte("X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\nVia: HTTP/1.1 AmazonAPIGateway\r\nX-Empty: \r\n"))
	for k, want := range map[string][]string{
		"Via":             {"1.1 edge", "HTTP/1.1 AmazonAPIGateway"},
		"X-Forwarded-For": {"10.0.0.1, 127.0.0.1"},
		"X-Other":         {"neighbour"},
		"X-Empty":         {""},
	} {
		if got := h[k]; !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(h) != 4 {
		t.Errorf("header %v", h)
	}
}

// TestAppendForwardedFor: the request's addresses, then the client's; an
// empty value and one that could split the head are left out.
func TestAppendForwardedFor(t *testing.T) {
	for _, c := range []struct {
		prior []string
		want  string
	}{
		{nil, "X-Forwarded-For: 127.0.0.1\r\n"},
		{[]string{"10.0.0.1"}, "X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"},
		{[]string{"10.0.0.1", "", "evil\r\nX-Admin: 1", "bad\x00", "10.0.0.2, 10.0.0.3"}, "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 127.0.0.1\r\n"},
	} {
		if got := string(AppendForwardedFor([]byte("A: b\r\n"), c.prior, "127.0.0.1")); got != "A: b\r\n"+c.want {
			t.Errorf("AppendForwardedFor(%q) = %q, want %q", c.prior, got, "A: b\r\n"+c.want)
		}
	}
}
