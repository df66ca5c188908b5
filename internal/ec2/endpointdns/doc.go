// Package endpointdns serves VPC endpoints' DNS names from Portolan's DNS
// server (one of its Config.Records): what a VPC's resolver answers for an
// execute-api Interface endpoint, pointing at the gateway that plays the
// endpoint's network interfaces.
//
// It follows the EC2 View (and, when given, the list of REST APIs) and
// publishes the records as one Feed, so the DNS server follows one source
// per role, as it follows the load balancers'.
package endpointdns
