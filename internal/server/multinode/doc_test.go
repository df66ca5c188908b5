// Package multinode_test runs Portolan as a cluster on one machine: a
// 3-member etcd, two servers (api, controller, gateway, dns) and three
// agents, each process on a loopback address of its own, all of them the
// real binary so that kill -9 is a real crash.
package multinode_test
