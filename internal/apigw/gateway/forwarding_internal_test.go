package gateway

import (
	"net/http"
	"testing"
)

// TestForwardingFields: the lines an integration request gets, for a
// client on IPv4 and on IPv6 (quoted and bracketed in Forwarded, as RFC
// 7239 §6 requires), with the client's own fields replaced or kept.
func TestForwardingFields(t *testing.T) {
	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793"
	for _, c := range []struct {
		remote string
		header http.Header
		want   string
		kept   http.Header
	}{
		{"10.0.0.7:4000", http.Header{"X-Forwarded-Proto": {"https"}, "Via": {"1.1 edge"}},
			"X-Forwarded-For: 10.0.0.7\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n" +
				"Forwarded: for=10.0.0.7;host=api.example;proto=http\r\nVia: HTTP/1.1 AmazonAPIGateway\r\nX-Amzn-Trace-Id: " + trace + "\r\n",
			http.Header{"Via": {"1.1 edge"}}},
		{"[::1]:4000", http.Header{"X-Forwarded-For": {"10.0.0.1"}, "X-Amzn-Trace-Id": {"Root=1-00000000-000000000000000000000000"}},
			"X-Forwarded-For: 10.0.0.1, ::1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\n" +
				"Forwarded: for=\"[::1]\";host=api.example;proto=http\r\nVia: HTTP/1.1 AmazonAPIGateway\r\n",
			http.Header{"X-Amzn-Trace-Id": {"Root=1-00000000-000000000000000000000000"}}},
	} {
		r := &http.Request{RemoteAddr: c.remote, Host: "api.example", Header: c.header}
		rq := &request{port: "8080", traceID: trace}
		if got := string(forwardingFields(nil, c.header, r, rq)); got != c.want {
			t.Errorf("%s: fields\n%q\nwant\n%q", c.remote, got, c.want)
		}
		if len(c.header) != len(c.kept) {
			t.Errorf("%s: the client's fields left %v, want %v", c.remote, c.header, c.kept)
		}
		for k, v := range c.kept {
			if got := c.header[k]; len(got) != len(v) || got[0] != v[0] {
				t.Errorf("%s: %s = %q, want %q", c.remote, k, got, v)
			}
		}
	}
}
