// Package cloudmap is AWS Cloud Map (servicediscovery): namespaces,
// services, instances and their health, and DiscoverInstances.
//
// Writes go to the store in one transaction each; the asynchronous
// operations AWS reports (CreateHttpNamespace, RegisterInstance...) complete
// inside that transaction, so GetOperation answers SUCCESS at once. The read
// side is a View: an immutable Snapshot rebuilt from store watches, which
// DiscoverInstances, the DNS server and the API gateway read without ever
// touching the store.
package cloudmap
