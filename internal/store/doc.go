// Package store is Portolan's state: a revisioned key/value store with
// compare-on-revision transactions and ordered, resumable watches.
//
// It is the only thing roles share (DESIGN.md): the API writes desired state
// here, controllers and the data plane watch it. The shape follows etcd's
// (one global revision, per-key create/mod revisions, watches from any
// revision): the embedded backend is bolt (one file, bolt.go) and the
// clustered one is etcd itself (etcd.go), and both pass the same conformance
// suite (package storetest). Location parses the --store flag's names.
// Timed and WatchLag wrap any backend to measure it: commit latency, and
// how far behind the head revision each watch's reader is.
package store
