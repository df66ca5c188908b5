// Package ecrimages_test runs whole servers whose tasks run images pushed
// to ECR's registry (docker runtime), and the REST API fixture extended
// with ECR and CPU autoscaling: in a package of their own so that they run
// beside internal/server's rather than after them.
package ecrimages_test

import "net"

// portOf is the port of a host:port address.
func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
