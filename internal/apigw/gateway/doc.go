// Package gateway is the HTTP API data plane: it answers invocations of the
// APIs that package apigw manages, on its own listener (127.0.0.1:8080 by
// default), and proxies them to their integrations. The listener is
// served by internal/httpserve (the data planes' HTTP/1.1 loop);
// ServeHTTP serves callers with a server of their own.
//
// A request goes: Host <apiId>.execute-api.localhost (any port) selects the
// API; the first path segment selects a named stage, else the $default
// stage serves the root; the rest of the path is parsed and matched by
// package router exactly as AWS ranks routes; the route's HTTP_PROXY
// integration (payload format 1.0) is called, either a public URL (with
// {path} and ${stageVariables.x} substitution) or, through a VPC link, a
// random routable instance of a Cloud Map service or an ELB listener's
// address and port (the load balancer's own data plane applies its rules
// and picks a target; a tlsConfig makes the call https, verifying
// serverNameToVerify); requestParameters
// mappings rewrite the path, headers and query on the way; the answer is
// relayed and, if the stage asks for it, an access log line is written to
// stdout and to the stage's CloudWatch Logs group through a LogSink.
//
// Everything a request reads is one immutable snapshot (APIs, stages, route
// tables built once per deployment, compiled integrations, the live
// instance set of every Cloud Map target, and the address of every ELB
// listener target), rebuilt by Run when the apigw, Cloud Map or load
// balancers' view changes and swapped with an atomic pointer. A request never
// reads the store, takes no lock shared with Run, and allocates little: the
// client's header map is reused for the upstream request, bodies stream
// through pooled buffers, and plain-http integrations go through the
// gateway's own keep-alive client (package upstream: no goroutines per
// connection, the integration timeout as a connection deadline) rather than
// http.Transport, which serves https ones.
//
// AWS behaviour, with sources in the comments where it is used: the
// apigw-requestid response header and the request id's form; 404
// {"message":"Not Found"} when no route matches; 503 {"message":"Service
// Unavailable"} when a Cloud Map service has no routable instance, when its
// instance or a load balancer cannot be reached, and when an integration times out (HTTP APIs
// answer timeouts with 503, not REST APIs' 504); the Forwarded, Via and
// X-Amzn-Trace-Id headers; the stage prefix kept in the path a private
// integration receives. Chosen where AWS is silent (docs/compat.md): 400
// {"message":"Bad Request"} for request paths the router refuses, 500
// {"message":"Internal Server Error"} when a public URL cannot be reached
// or a listener integration names a listener that does not exist,
// X-Forwarded-For/-Proto/-Port on every proxied request, and access log
// streams named <apiId>_<stage>.
package gateway
