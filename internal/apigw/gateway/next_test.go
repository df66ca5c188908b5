package gateway_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
)

// TestNextHandler: with Config.Next set, a request whose Host names an HTTP
// API is the gateway's, and every other request on the listener (another
// API id, no API id at all) is handed to Next untouched, without the HTTP
// API's headers.
func TestNextHandler(t *testing.T) {
	// Requests come one after another, but on several connections: the
	// race detector cannot see the order through the sockets.
	var mu sync.Mutex
	var nextHosts []string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		nextHosts = append(nextHosts, r.Host+" "+r.RequestURI)
		mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "next")
	})
	f := fixtureFor(t, apigwtest.Start(t, func(c *gateway.Config) { c.Next = next }))
	a, arn := f.cloudMapBackend("a")
	f.route("GET /pets", f.cloudMapIntegration(arn, nil))
	f.stage("$default", true, nil, nil)
	f.sync()

	if r := f.do("GET", "/pets", nil); r.status != 200 || r.seen == nil || a.hits.Load() != 1 {
		t.Fatalf("the HTTP API's request: %d %s", r.status, r.body)
	}
	if r := f.do("GET", "/nothing", nil); r.status != 404 {
		t.Fatalf("an HTTP API's unknown route went elsewhere: %d %s", r.status, r.body)
	}
	for _, host := range []string{"abcdef1234." + gateway.DefaultDomain, "localhost"} {
		r := f.doHost("GET", "http://"+host+":"+f.env.GatewayPort, "/prod/x?y=1", nil)
		if r.status != http.StatusTeapot || string(r.body) != "next" || r.header.Get("Apigw-Requestid") != "" {
			t.Fatalf("%s: %d %q %v, want Next's answer", host, r.status, r.body, r.header)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(nextHosts) != 2 || nextHosts[1] != "localhost:"+f.env.GatewayPort+" /prod/x?y=1" {
		t.Fatalf("Next saw %q", nextHosts)
	}
}
