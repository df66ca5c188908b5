package route53

import (
	"encoding/xml"
	"time"
)

// Namespace is the xmlns of every Route 53 document.
const Namespace = "https://route53.amazonaws.com/doc/2013-04-01/"

// Change statuses.
const (
	StatusPending = "PENDING"
	StatusInsync  = "INSYNC"
)

// Change actions.
const (
	ActionCreate = "CREATE"
	ActionDelete = "DELETE"
	ActionUpsert = "UPSERT"
)

// CloudMapPrincipal is the LinkedService.ServicePrincipal of the hosted
// zones behind Cloud Map's DNS namespaces.
const CloudMapPrincipal = "servicediscovery.amazonaws.com"

// HostedZone is the API's HostedZone shape.
type HostedZone struct {
	Id                     string
	Name                   string
	CallerReference        string
	Config                 *HostedZoneConfig `xml:",omitempty" json:",omitempty"`
	ResourceRecordSetCount int64
	LinkedService          *LinkedService `xml:",omitempty" json:",omitempty"`
}

type HostedZoneConfig struct {
	Comment     string `xml:",omitempty" json:",omitempty"`
	PrivateZone bool
}

type LinkedService struct {
	ServicePrincipal string `xml:",omitempty"`
	Description      string `xml:",omitempty"`
}

// VPC is a VPC a private hosted zone is associated with.
type VPC struct {
	VPCRegion string `xml:",omitempty" json:",omitempty"`
	VPCId     string `xml:",omitempty" json:",omitempty"`
}

// DelegationSet is a public zone's name servers.
type DelegationSet struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

// ChangeInfo is the API's ChangeInfo shape.
type ChangeInfo struct {
	Id          string
	Status      string
	SubmittedAt Time
	Comment     string `xml:",omitempty" json:",omitempty"`
}

// ResourceRecordSet is the API's ResourceRecordSet shape. Routing
// policies Portolan does not serve (latency, geolocation, geoproximity,
// CIDR) are refused, so their members are not here.
type ResourceRecordSet struct {
	Name                    string
	Type                    string
	SetIdentifier           string           `xml:",omitempty" json:",omitempty"`
	Weight                  *int64           `xml:",omitempty" json:",omitempty"`
	Region                  string           `xml:",omitempty" json:",omitempty"`
	GeoLocation             *xmlPresence     `xml:",omitempty" json:"-"`
	Failover                string           `xml:",omitempty" json:",omitempty"`
	MultiValueAnswer        *bool            `xml:",omitempty" json:",omitempty"`
	TTL                     *int64           `xml:",omitempty" json:",omitempty"`
	ResourceRecords         []ResourceRecord `xml:"ResourceRecords>ResourceRecord,omitempty" json:",omitempty"`
	AliasTarget             *AliasTarget     `xml:",omitempty" json:",omitempty"`
	HealthCheckId           string           `xml:",omitempty" json:",omitempty"`
	TrafficPolicyInstanceId string           `xml:",omitempty" json:",omitempty"`
	CidrRoutingConfig       *xmlPresence     `xml:",omitempty" json:"-"`
	GeoProximityLocation    *xmlPresence     `xml:",omitempty" json:"-"`
}

// xmlPresence stands for a member Portolan only needs to know was sent.
type xmlPresence struct{}

func (xmlPresence) MarshalXML(*xml.Encoder, xml.StartElement) error { return nil }

func (p *xmlPresence) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error { return d.Skip() }

type ResourceRecord struct{ Value string }

// AliasTarget is the API's AliasTarget shape.
type AliasTarget struct {
	HostedZoneId         string
	DNSName              string
	EvaluateTargetHealth bool
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string `xml:",omitempty"`
}

// Time travels as ISO 8601 with milliseconds, as Route 53 writes
// SubmittedAt.
type Time time.Time

func (t Time) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

func (t *Time) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, string(b))
	*t = Time(v)
	return err
}

// list is a list Route 53 always sends, empty or not:
// <Outer><Item>…</Item>…</Outer>, the outer element named by the field.
type list[T any] struct {
	item  string
	items []T
}

func listOf[T any](item string, items []T) list[T] { return list[T]{item, items} }

// Items are the list's items, for in-process callers.
func (l list[T]) Items() []T { return l.items }

func (l list[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i := range l.items {
		if err := e.EncodeElement(&l.items[i], xml.StartElement{Name: xml.Name{Local: l.item}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
