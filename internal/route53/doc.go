// Package route53 is Amazon Route 53's hosted zones and record sets
// (restXml at /2013-04-01/, a global service), served by Portolan's DNS
// server from the same table as Cloud Map's namespaces.
//
// Writes go to the store in one transaction each: a change batch is
// checked whole against the zone's record sets and applied atomically,
// or refused with every problem Route 53 would name. The read side is a
// View (view.go) whose snapshot the operations list from and which the
// DNS server follows through DNSZones: each record set is compiled for
// the server once, when it changes. A change is PENDING until the DNS
// server answers from it (Config.Served), then INSYNC.
//
// A Cloud Map DNS namespace is a hosted zone too (linked.go): listed with
// LinkedService servicediscovery.amazonaws.com and the records the DNS
// server answers for it, read from Cloud Map's View; changing it through
// Route 53 is refused, as AWS refuses it.
//
// The files follow every service's skeleton: service.go, keys.go,
// errors.go, model.go, api.go, and one file per resource: hostedzones.go,
// vpcs.go, rrsets.go (with changebatch.go, the batch's rules), changes.go,
// tags.go. Beside them names.go and values.go read Route 53's name and
// value formats, and aliases.go knows the load balancers' names.
package route53
