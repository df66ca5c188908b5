// Package route53test runs Route 53's control plane for tests: a real
// bolt store in a temp dir, Route 53 and Cloud Map (whose DNS namespaces
// are hosted zones) on one loopback endpoint, and, with WithDNS, the DNS
// server answering from both, as the server wires them.
package route53test
