// Package health is the ELBv2 health checker: it probes every registered
// target of every target group as AWS's load balancer nodes do (a TCP
// connect, or an HTTP/HTTPS GET whose status must match the Matcher),
// counts consecutive successes and failures against the thresholds, and
// reports each verdict that changes, with AWS's reason codes.
//
// It sits between the control plane and the data plane: the caller turns
// the elbv2 View into []Check and calls Checker.Update whenever it changes;
// the Report callback writes the verdict back (Control.SetTargetHealth),
// and the data plane (package proxy) follows the stored health through the
// View. The checker keeps no state but counters; a restart begins every
// target from scratch, as a new load balancer node would.
package health
