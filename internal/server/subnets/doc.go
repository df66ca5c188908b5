// Package subnets holds the whole-server tests of tasks in EC2 subnets on
// the docker runtime (their addresses in the subnet's block, reachability
// within the VPC, re-adoption after kill -9): a package of their own, so
// that each package's tests stay within go test's default timeout.
package subnets
