// Package elbv2test runs Elastic Load Balancing v2's control plane for
// tests: a real bolt store in a temp dir, the API on a loopback listener,
// and Control.Run (the View and the drainer) started, as the server runs
// them.
package elbv2test
