// Package store is Portolan's state: a revisioned key/value store with
// compare-on-revision transactions and ordered, resumable watches.
//
// It is the only thing roles share (DESIGN.md): the API writes desired state
// here, controllers and the data plane watch it. The shape follows etcd's
// (one global revision, per-key create/mod revisions, watches from any
// revision) so that a future etcd backend can pass the same conformance suite
// (package storetest) and replace the embedded bolt backend in a cluster.
package store
