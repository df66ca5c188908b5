// Package onetcd_test runs whole servers on a real etcd (one member, and a
// three-member cluster losing its leader): the store's end-to-end tests,
// in a package of their own so that they run beside internal/server's
// rather than after them.
package onetcd_test
