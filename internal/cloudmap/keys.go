package cloudmap

import "strings"

// Store layout: every key Cloud Map reads or writes, under keyPrefix. Names
// are indexed by lower case: DNS names are case-insensitive, and AWS refuses
// services whose names differ only in case. The View's builder (view.go)
// parses the same layout back: the segment after keyPrefix names the kind.
const keyPrefix = "cloudmap/"

// Namespaces.
const (
	nsPrefix = keyPrefix + "ns/"
	// nsCreateKey is rewritten by every CreateNamespace, which compares on it:
	// concurrent creates are serialized, so none slips past the namespace limit.
	nsCreateKey = keyPrefix + "nscreate"
)

func nsKey(id string) string { return nsPrefix + id }

func nsNameKey(name string) string {
	return keyPrefix + "nsname/" + strings.ToLower(strings.TrimSuffix(name, "."))
}

// nsMembersKey is rewritten whenever a service joins or leaves the namespace,
// so DeleteNamespace can compare on it and never race a CreateService.
func nsMembersKey(id string) string { return keyPrefix + "nsmembers/" + id }

// Services.
const svcPrefix = keyPrefix + "svc/"

func svcKey(id string) string { return svcPrefix + id }

// svcNamePrefix holds one key per service of a namespace: its listing is
// the namespace's ServiceCount.
func svcNamePrefix(nsID string) string { return keyPrefix + "svcname/" + nsID + "/" }

func svcNameKey(nsID, name string) string { return svcNamePrefix(nsID) + strings.ToLower(name) }

func svcAttrKey(id string) string { return keyPrefix + "svcattr/" + id }

// svcInstancesKey is rewritten on every register and deregister: its
// ModRevision is the service's InstancesRevision, which health changes
// must not move, and DeleteService compares on it.
func svcInstancesKey(id string) string { return keyPrefix + "svcinst/" + id }

// Instances and their health.
func instPrefix(srvID string) string    { return keyPrefix + "inst/" + srvID + "/" }
func instKey(srvID, id string) string   { return instPrefix(srvID) + id }
func healthPrefix(srvID string) string  { return keyPrefix + "health/" + srvID + "/" }
func healthKey(srvID, id string) string { return healthPrefix(srvID) + id }

// Operations, and the request ids (CreatorRequestId, UpdaterRequestId)
// that name them for retries.
const opPrefix = keyPrefix + "op/"

func opKey(id string) string                   { return opPrefix + id }
func requestKey(kind, creatorID string) string { return keyPrefix + "req/" + kind + "/" + creatorID }

// namespaceRecord is what the store holds for a namespace.
type namespaceRecord struct {
	Namespace
	Vpc               string `json:",omitempty"`
	Tags              []Tag  `json:",omitempty"`
	CreateOperationId string
}

// serviceRecord is what the store holds for a service.
type serviceRecord struct {
	Service
	Tags []Tag `json:",omitempty"`
}

// requestRecord is what a name or request-id key holds: the resource it
// names and the operation that created it.
type requestRecord struct {
	OperationId string
	Target      string
}
