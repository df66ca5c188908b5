// Package endpointdns serves VPC endpoints' DNS names from Portolan's DNS
// server (one of its Config.Records): what a VPC's resolver answers for an
// execute-api Interface endpoint, pointing at the gateway that plays the
// endpoint's network interfaces.
//
// Every client gets the same answer, as every asker gets an endpoint's
// network interface addresses on AWS: the gateway's loopback address, or,
// on the docker runtime, an address of the host that task containers reach
// too (the gateway of the runtime's DNS network, where the gateway also
// listens, on port 80 as an endpoint's interfaces do; the server moves the
// names there with ServeAt). That address is the host's own, so a local
// client reaches it as well as a task does, and one answer serves both:
// the DNS server needs no per-client view, its query path is unchanged,
// and dig from the host and from a task agree.
//
// It follows the EC2 View (and, when given, the list of REST APIs) and
// publishes the records as one Feed, so the DNS server follows one source
// per role, as it follows the load balancers'.
package endpointdns
