// Package proxy is the Network Load Balancer data plane: it listens on
// each TCP listener's address and joins every accepted connection to
// one target of the listener's target group, chosen by a flow hash over
// the targets the load balancer may use.
//
// It follows the control plane through immutable Snapshots: the caller
// (the server's wiring) builds one from the elbv2 View, with each
// target's health as package health reported it, and calls Proxy.Update
// whenever it changes. Update binds and closes listeners and swaps each
// listener's routing table atomically; a connection reads its listener's
// table once, with one atomic load, and takes no lock shared with Update.
//
// AWS behaviours kept here: only healthy targets get new connections; if
// none is healthy the target group fails open to every registered target
// that is not draining (initial and unhealthy alike); a draining target
// keeps its open connections until the deregistration delay ends; an
// unhealthy target's connections are reset unless the group fails open;
// a target that refuses makes the client's connection reset, with no retry
// on another target.
package proxy
