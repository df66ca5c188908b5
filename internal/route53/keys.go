package route53

// Store layout: every key Route 53 reads or writes, under keyPrefix. The
// View's builder (view.go) reads zones and record sets back; the rest is
// read by the operations themselves.
const keyPrefix = "route53/"

const (
	zonePrefix  = keyPrefix + "zone/"
	rrsetPrefix = keyPrefix + "rrset/"
)

func zoneKey(id string) string { return zonePrefix + id }

// callerRefKey holds the id of the zone a CallerReference created:
// CreateHostedZone compares on its absence, so a reference is used once.
func callerRefKey(ref string) string { return keyPrefix + "callerref/" + ref }

// zoneVersionKey is rewritten by every change to a zone's record sets and
// removed with the zone: a change batch and DeleteHostedZone compare on
// it, so batches to one zone are serialized and a zone never loses a
// race to a batch that would leave it with records.
func zoneVersionKey(id string) string { return keyPrefix + "zonever/" + id }

// zoneSetsPrefix holds one key per record set of a zone.
func zoneSetsPrefix(zoneID string) string { return rrsetPrefix + zoneID + "/" }

// rrsetKey names a record set by what identifies it: name, type and set
// identifier (names are stored escaped, so "|" never occurs in them).
func rrsetKey(zoneID string, s *ResourceRecordSet) string {
	return zoneSetsPrefix(zoneID) + s.Name + "|" + s.Type + "|" + s.SetIdentifier
}

func changeKey(id string) string { return keyPrefix + "change/" + id }

// zoneRecord is what the store holds for a hosted zone.
type zoneRecord struct {
	HostedZone
	VPCs        []VPC    `json:",omitempty"`
	NameServers []string // the delegation set (the apex NS values)
	Tags        []Tag    `json:",omitempty"`
}

// changeRecord is what the store holds for a change; its key's
// ModRevision is the revision the change was committed at, which the DNS
// server must serve before the change is INSYNC.
type changeRecord struct {
	Id          string
	SubmittedAt Time
	Comment     string `json:",omitempty"`
}
