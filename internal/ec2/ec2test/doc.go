// Package ec2test runs EC2's control plane (VPC endpoints) for tests: a
// real bolt store in a temp dir, the API on a loopback listener, and
// Control.Run (the View) started, as the server runs them.
package ec2test
