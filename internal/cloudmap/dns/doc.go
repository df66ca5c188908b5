// Package dns is Portolan's DNS server: the records AWS Cloud Map would
// publish in Route 53 for every private and public DNS namespace, served
// authoritatively over UDP and TCP, with every other name forwarded to
// upstream resolvers so that a container can use Portolan as its only
// resolver.
//
// Where it sits: the server follows cloudmap.View. Each new cloudmap.Snapshot
// is compiled, off the query path, into an immutable table (zones, and per
// owner name the candidate records of each type, split by health and
// already in wire format) that is swapped in with an atomic pointer. A
// query reads only that table: a map lookup, a random pick by the service's
// RoutingPolicy, and copying bytes into a reused buffer. The common query
// never builds a dns.Msg; anything unusual (other opcodes, several
// questions, ANY, CNAME chasing, names to forward) takes the full path,
// which parses with miekg/dns and answers with the same table and the same
// picking, so both paths agree (FuzzDNSQuery checks that they do).
//
// What the records are (AWS Cloud Map DNS behaviour, spec §B):
//   - <service>.<namespace>: A, AAAA, CNAME or SRV, one value per instance,
//     with the TTL of the service's DnsConfig record of that type;
//   - SRV values are "1 1 <AWS_INSTANCE_PORT> <instanceId>.<service>.<namespace>.",
//     and that target name has the instance's A/AAAA (the SRV record's TTL);
//   - the apex has SOA (TTL = the namespace's SOA TTL) and NS;
//   - MULTIVALUE answers up to 8 healthy values at random (up to 8 unhealthy
//     ones when none is healthy); WEIGHTED answers one random healthy value
//     (any one when none is healthy);
//   - services of Type HTTP have no records; names without records are
//     NXDOMAIN, or NODATA when other types or names below them exist, with
//     the SOA in the authority section.
//
// Other sources feed the same table, followed with the Cloud Map view
// (store.Join), each build taking every source's latest state:
//   - Config.Records (the load balancers' DNS names): A/AAAA records (TTL
//     60), each name answered authoritatively as a zone of its own, so
//     that the names around it (the rest of amazonaws.com) are still
//     forwarded;
//   - Config.Zones (Route 53 hosted zones, zones.go): whole zones with
//     their own SOA and NS and record sets of any type, added after the
//     namespaces. The most specific zone answers for a name; of two zones
//     with the same apex the first one there keeps it. Alias sets take
//     their target's records when the table is built, so an alias to a
//     load balancer follows its address; weighted, failover and
//     multivalue sets become rrsets the query path picks from as it picks
//     Cloud Map's. Private zones answer every client (there are no VPC
//     views here).
//
// Recursion (forwarding) is offered only to clients on loopback and on the
// configured networks; other clients get REFUSED for names outside our
// zones, so the server is never an open resolver.
package dns
