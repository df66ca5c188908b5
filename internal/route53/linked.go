package route53

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/cloudmap/dns"
)

// A Cloud Map DNS namespace is a hosted zone in AWS, created and managed
// by Cloud Map: Route 53 lists it (LinkedService names Cloud Map), lists
// its records, and refuses to change it. Here the namespace's records
// are what the DNS server answers from the same Cloud Map snapshot.

// linkedZone is the hosted zone of one Cloud Map DNS namespace.
type linkedZone struct {
	ns   *cloudmap.NamespaceState
	id   string // bare hosted zone id
	sets []*SetState
}

// linkedZones are the hosted zones of Cloud Map's DNS namespaces.
func (c *Control) linkedZones() []*linkedZone {
	if c.cfg.CloudMap == nil {
		return nil
	}
	snap := c.cfg.CloudMap.Snapshot()
	if snap == nil {
		return nil
	}
	var out []*linkedZone
	for _, ns := range snap.Namespaces() {
		if id := linkedZoneID(ns); id != "" {
			out = append(out, &linkedZone{ns: ns, id: id, sets: namespaceSets(ns, snap.Revision)})
		}
	}
	return out
}

// linkedZoneByID is the Cloud Map zone with the bare id, or nil.
func (c *Control) linkedZoneByID(id string) *linkedZone {
	for _, z := range c.linkedZones() {
		if z.id == id {
			return z
		}
	}
	return nil
}

func linkedZoneID(ns *cloudmap.NamespaceState) string {
	if ns.Type != cloudmap.NamespaceDNSPrivate && ns.Type != cloudmap.NamespaceDNSPublic {
		return ""
	}
	if p := ns.Properties; p != nil && p.DnsProperties != nil {
		return p.DnsProperties.HostedZoneId
	}
	return ""
}

func (z *linkedZone) private() bool { return z.ns.Type == cloudmap.NamespaceDNSPrivate }

func (z *linkedZone) hostedZone() HostedZone {
	name, _ := parseName(z.ns.Name)
	return HostedZone{
		Id:                     "/hostedzone/" + z.id,
		Name:                   name.stored,
		CallerReference:        z.ns.Id,
		Config:                 &HostedZoneConfig{PrivateZone: z.private()},
		ResourceRecordSetCount: int64(len(z.sets)),
		LinkedService:          &LinkedService{ServicePrincipal: CloudMapPrincipal, Description: z.ns.Arn},
	}
}

func (z *linkedZone) vpcs(region string) []VPC {
	if !z.private() || z.ns.Vpc == "" {
		return nil
	}
	return []VPC{{VPCRegion: region, VPCId: z.ns.Vpc}}
}

// namespaceSets are the record sets Cloud Map keeps in a namespace's zone,
// as AWS lists them: the apex SOA and NS, then one set per instance and
// record type, told apart by SetIdentifier (the instance id) and routed
// by the service's policy (MultiValueAnswer, or Weight 1 for WEIGHTED);
// an SRV target's A/AAAA are simple sets at <instanceId>.<service>.
func namespaceSets(ns *cloudmap.NamespaceState, revision int64) []*SetState {
	apex, p := parseName(ns.Name)
	if p != nil {
		return nil
	}
	soa, soaTTL, nameServer, nsTTL := dns.NamespaceApex(ns, revision)
	sets := []*SetState{
		linkedSet(ResourceRecordSet{Name: apex.stored, Type: "SOA", TTL: int64Ptr(int64(soaTTL)), ResourceRecords: []ResourceRecord{{soa}}}),
		linkedSet(ResourceRecordSet{Name: apex.stored, Type: "NS", TTL: int64Ptr(int64(nsTTL)), ResourceRecords: []ResourceRecord{{nameServer}}}),
	}
	for _, svc := range ns.Services {
		sets = append(sets, serviceSets(svc, apex)...)
	}
	slices.SortFunc(sets, func(a, b *SetState) int { return compareOrder(a.order, b.order) })
	return sets
}

func serviceSets(svc *cloudmap.ServiceState, apex dnsName) []*SetState {
	if svc.DnsConfig == nil || svc.Type == cloudmap.ServiceTypeHTTP {
		return nil
	}
	owner := apex.stored
	if svc.Name != "." {
		n, p := parseName(svc.Name + "." + apex.stored)
		if p != nil {
			return nil
		}
		owner = n.stored
	}
	var sets []*SetState
	for _, dr := range svc.DnsConfig.DnsRecords {
		if dr.TTL == nil {
			continue
		}
		for _, is := range svc.Instances {
			set := ResourceRecordSet{Name: owner, Type: dr.Type, SetIdentifier: is.Id, TTL: int64Ptr(*dr.TTL)}
			if svc.DnsConfig.RoutingPolicy == cloudmap.RoutingWeighted {
				set.Weight = int64Ptr(1)
			} else {
				yes := true
				set.MultiValueAnswer = &yes
			}
			var value string
			switch dr.Type {
			case cloudmap.RecordA:
				if is.IPv4.Is4() {
					value = is.IPv4.String()
				}
			case cloudmap.RecordAAAA:
				if is.IPv6.Is6() && !is.IPv6.Is4In6() {
					value = is.IPv6.String()
				}
			case cloudmap.RecordCNAME:
				value = is.Attributes[cloudmap.AttrCNAME]
			case cloudmap.RecordSRV:
				if _, ok := is.Attributes[cloudmap.AttrPort]; !ok {
					continue
				}
				target, p := parseName(is.Id + "." + owner)
				if p != nil {
					continue
				}
				value = "1 1 " + strconv.Itoa(int(is.Port)) + " " + target.stored
				for _, a := range []netip.Addr{is.IPv4, is.IPv6} {
					if a.IsValid() {
						typ := "A"
						if !a.Is4() {
							typ = "AAAA"
						}
						sets = append(sets, linkedSet(ResourceRecordSet{Name: target.stored, Type: typ, TTL: int64Ptr(*dr.TTL), ResourceRecords: []ResourceRecord{{a.String()}}}))
					}
				}
			}
			if value == "" {
				continue
			}
			set.ResourceRecords = []ResourceRecord{{value}}
			sets = append(sets, linkedSet(set))
		}
	}
	return sets
}

func linkedSet(r ResourceRecordSet) *SetState {
	return &SetState{ResourceRecordSet: r, order: setOrder{sortKey(r.Name), r.Type, r.SetIdentifier}}
}

func int64Ptr(v int64) *int64 { return &v }
