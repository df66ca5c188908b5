// Package route53resolver is Amazon Route 53 Resolver's endpoints, rules
// and rule associations (awsJson1_1, Route53Resolver.<Op>), served by
// Portolan's DNS server.
//
// An INBOUND endpoint's addresses become addresses the DNS server listens
// on (InboundListeners, the server's Config.Listeners), on the port the
// VPC resolver uses (53 unless configured), as long as the address can be
// bound on this machine. A FORWARD rule associated with a VPC sends the
// names at and below its domain, outside the zones the server answers
// for, to its target addresses; a SYSTEM rule sends them back to the
// server's own upstreams (ForwardingRules, the server's Config.Rules).
// OUTBOUND endpoints are recorded: forwarding leaves from this machine.
//
// Writes go to the store in one transaction each; every resource is
// OPERATIONAL (or COMPLETE) at once. The files follow every service's
// skeleton: service.go, keys.go, errors.go, model.go, api.go,
// endpoints.go, rules.go (rules and their associations), view.go (the
// read side and the DNS server's sources).
package route53resolver
