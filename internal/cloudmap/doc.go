// Package cloudmap is AWS Cloud Map (servicediscovery): namespaces,
// services, instances and their health, and DiscoverInstances.
//
// Writes go to the store in one transaction each; the asynchronous
// operations AWS reports (CreateHttpNamespace, RegisterInstance...) complete
// inside that transaction, so GetOperation answers SUCCESS at once. The read
// side is a View: an immutable Snapshot rebuilt from store watches, which
// DiscoverInstances, the DNS server and the API gateway read without ever
// touching the store.
//
// The files follow every service's skeleton: service.go (Control and
// how it commits), keys.go (the store layout), errors.go, model.go (the
// resource shapes), api.go (the operation table), and one file per
// resource: namespaces.go, services.go, serviceattributes.go,
// instances.go, health.go, discover.go, operations.go, tags.go. Beside
// them, page.go lists and filters, validate.go holds the model's limits
// and checks, and view.go the read side.
package cloudmap
