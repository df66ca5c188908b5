// Package httpserve serves HTTP/1.1 to http.Handlers with a connection
// loop built for the data planes (the HTTP and REST API gateways and the
// application load balancer), where net/http's server spends more CPU on
// each request than the proxying itself.
//
// The handlers are the same http.Handlers net/http calls; what differs is
// the loop under them:
//
//   - every per-request object (the *http.Request, its header map and URL,
//     the body reader, the response writer and its header map, the
//     buffered reader and writer) belongs to the connection and is reset,
//     not reallocated, for the next request. A handler must not keep any
//     of them after it returns (the gateways do not).
//   - there is no background read while a handler runs, and no deadline
//     is set per request. One goroutine per server (the warden) enforces
//     the idle and header timeouts on a coarse clock, and watches a
//     request only once it has been in flight for a tick or more: it
//     peeks at the socket and cancels the request's context when the
//     client has gone.
//   - the flush that completes an answer on a kept-alive connection also
//     waits for the next request, so reading it does not begin with a
//     read that returns EAGAIN (sink.go); the warden wakes such a wait
//     if a pipelined request arrived before it began.
//   - a proxy can hand over an upstream's answer head as the bytes it
//     came in (HeadRelayer, relay.go) instead of filling the header map
//     for the server to walk again.
//
// The parser follows net/http's rules (which requests it refuses, and
// with which status) so that swapping one server for the other changes
// nothing a client can see; a differential fuzz test holds it to that.
// Where it differs it is stricter: obs-fold header continuations are
// refused with 400 (RFC 9112 §5.2), not joined. Requests carrying both
// Content-Length and Transfer-Encoding are framed as net/http frames them
// (chunked) but marked Ambiguous, and the connection is closed after the
// answer: the gateways refuse them (request smuggling).
//
// HTTP/2 and TLS are not served here; listeners that need them stay on
// net/http.
package httpserve
