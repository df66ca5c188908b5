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
