// Package cloudmaptest runs Cloud Map alone for tests: a bolt store in a
// temp dir, the servicediscovery API on a real loopback listener
// (httptest), optionally the DNS server following Control's View, and
// SDK clients whose dialer reaches localhost and the "data-" host the SDKs
// prepend for DiscoverInstances without /etc/hosts.
//
// It wires the parts as internal/server does, without the rest of the
// server: tests that exercise only Cloud Map use it; tests that cross
// services, or kill a server process, use internal/server/servertest.
package cloudmaptest
