// Package admin serves Portolan's own endpoints on the api address: the
// status view (`portolan status`), the log stream (`portolan logs`), the
// web console (/_portolan/console/, console.go) and the Prometheus scrape
// (/metrics, metrics.go). The status view covers HTTP APIs, Cloud Map and
// ECS (status.go), load balancers (lbstatus.go) and REST APIs
// (reststatus.go); the console adds live request rates on the diagram's
// edges (a Network Load Balancer's: new connections, and the ones open),
// computed from the registry's counters (rates.go), and each Cloud
// Map service's records as the DNS server answers them (dnsview.go).
// It also holds their wire types, the JSON shapes
// the CLI and the console read. Stacks are deployed through the
// CloudFormation API (package cloudformation), which `portolan deploy` and
// `destroy` call like any client.
//
// Admin owns no state and no goroutine beyond a request's: it reads
// through the services' exported Go APIs, the same calls the AWS APIs
// answer, handed to it in a Config by internal/server, which mounts its
// handlers next to /_portolan/health (that one belongs to the server's
// lifecycle). The console only watches the store to know when to read
// again; the metrics registry is filled by the parts that count (the
// gateway, the load balancers' data plane, the DNS server, the store,
// ECS's task follower).
//
// With credentials configured every endpoint takes SigV4, as the AWS APIs
// do, or the token the server prints at start, for clients that cannot
// sign: a browser (the console URL carries it once, a cookie after) and a
// Prometheus server (Authorization: Bearer).
package admin
