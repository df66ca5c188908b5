// Package dataplane runs the load balancers Elastic Load Balancing's
// control plane (package elbv2) describes. It follows elbv2's View and
// turns each snapshot into the three things that serve it: the listeners
// of every Network Load Balancer, for package proxy; the HTTP listeners
// of every Application Load Balancer with their rules, for package alb;
// and a health check for every target of a group in use, for package
// health, whose verdicts it writes back through Control.SetTargetHealth.
// Those verdicts come back in the next snapshot, which is how only
// healthy targets get traffic.
// DNSRecords hands the same view to the DNS server (package
// cloudmap/dns), so that every load balancer's DNSName resolves to its
// address.
//
// Served today: NLB listeners with protocol TCP and ALB listeners with
// protocol HTTP, forwarding to ip targets. HTTPS, TLS and UDP listeners
// are stored by the control plane but not served yet.
package dataplane
