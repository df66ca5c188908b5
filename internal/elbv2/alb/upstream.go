package alb

import (
	"net/http"
	"net/http/httputil"
	"sync/atomic"
	"time"

	"github.com/portolan/portolan/internal/upstream"
)

// targetPool is how requests reach one target: a pool of the data
// planes' upstream client (kept-alive connections, each request written
// and its answer read on the request's own goroutine, the answer's head
// relayed as the bytes it came in), and for the requests that upgrade
// their connection (WebSocket) a ReverseProxy, which knows how to splice
// the two connections.
type targetPool struct {
	conns   *upstream.Pool
	upgrade *httputil.ReverseProxy
}

// newTargetClient is the client of an ALB's target pools: connects bound
// by dialTimeout, connections idle for idleConnTimeout closed.
func newTargetClient(dialTimeout time.Duration) *upstream.Client {
	c := upstream.New(new(atomic.Int64))
	c.DialTimeout, c.MaxIdleTime = dialTimeout, idleConnTimeout
	return c
}

// relayHead sends the target's status and header: as the bytes they came
// in, unless the answer declares trailers, which the client must be told
// of in the header (Trailer) before the body.
func relayHead(w http.ResponseWriter, c *upstream.Conn, resp *http.Response) {
	if resp.Trailer == nil {
		c.WriteHead(w, resp.StatusCode)
		return
	}
	h := w.Header()
	c.CopyHeader(h)
	for k := range resp.Trailer {
		h.Add("Trailer", k)
	}
	w.WriteHeader(resp.StatusCode)
}
