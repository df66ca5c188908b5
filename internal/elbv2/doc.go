// Package elbv2 is Elastic Load Balancing v2: Network and Application Load
// Balancers, their listeners and rules, target groups and their targets,
// served over the awsQuery protocol (Version 2015-12-01) as AWS serves it.
//
// The control plane (this package) validates and stores; the data plane
// (package proxy) follows the View and serves each load balancer's
// listeners on its own address; package health probes the targets and
// writes what it sees back through Control.SetTargetHealth, the only
// writer of target health. DescribeTargetHealth reads it.
//
// The files follow every service's skeleton (docs/architecture.md):
// service.go, keys.go, errors.go, model.go, api.go, then one file per
// resource: loadbalancers.go, targetgroups.go, targets.go, listeners.go,
// rules.go, tags.go.
package elbv2
