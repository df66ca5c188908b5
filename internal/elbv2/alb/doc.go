// Package alb is the Application Load Balancer's HTTP data plane: one
// HTTP server per listener, on the load balancer's own address and the
// listener's port, answering every request with the first rule whose
// conditions match (priority order, the default actions last).
//
// It sits beside the NLB's TCP proxy (package proxy): package dataplane
// translates each elbv2.Snapshot into a Snapshot of this package and
// calls ALB.Update, which compiles the rules into matchers off the
// request path and swaps them in atomically. A request reads the
// compiled listener through an atomic pointer and takes no lock shared
// with Update.
//
// Forward actions proxy to targets over kept-alive connections, written
// and read on the request's own goroutine (upstream.go; requests that
// upgrade their connection, WebSocket, go through a ReverseProxy), adding
// the X-Forwarded-* and X-Amzn-Trace-Id headers an ALB adds; the load
// balancer's idle timeout is an idle timer on the target's answer. Errors
// the balancer itself produces (502, 503, 504) carry the HTML bodies and
// the "awselb/2.0" Server header AWS sends.
package alb
