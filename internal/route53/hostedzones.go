package route53

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/store"
)

// What Route 53 puts in a new zone (its SOA and NS, spec §B): the SOA
// "<first name server> awsdns-hostmaster.amazon.com. 1 7200 900 1209600
// 86400" with TTL 900, and the four name servers with TTL 172800.
const (
	soaTTL       = 900
	nsTTL        = 172800
	soaRest      = " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
	maxCallerRef = 128
	maxComment   = 256
	// Listing limits: ListHostedZones answers at most 100 zones a page.
	maxZonesPage = 100
)

// privateNameServers are the name servers of every private zone.
var privateNameServers = []string{"ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-512.awsdns-00.net."}

// publicNameServers is a delegation set shaped like AWS's: one name server
// in each of .com, .net, .org and .co.uk, ns-<n>.awsdns-<n/32>.<tld>.
func publicNameServers() []string {
	var out []string
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		n := i*512 + rand.IntN(512)
		out = append(out, fmt.Sprintf("ns-%d.awsdns-%02d.%s.", n, n%2048/32, tld))
	}
	return out
}

var vpcIDPattern = regexp.MustCompile(`^vpc-[0-9a-zA-Z]{1,32}$`)

type CreateHostedZoneInput struct {
	XMLName          xml.Name `xml:"CreateHostedZoneRequest"`
	Name             string
	VPC              *VPC
	CallerReference  string
	HostedZoneConfig *HostedZoneConfig
	DelegationSetId  string
}

type CreateHostedZoneOutput struct {
	HostedZone    HostedZone
	ChangeInfo    ChangeInfo
	DelegationSet *DelegationSet `xml:",omitempty"`
	VPC           *VPC           `xml:",omitempty"`
}

// Location is the new zone's URL, which CreateHostedZone answers with.
func (o *CreateHostedZoneOutput) Location() string {
	return "https://route53.amazonaws.com/2013-04-01" + o.HostedZone.Id
}

func (c *Control) CreateHostedZone(ctx context.Context, in *CreateHostedZoneInput) (*CreateHostedZoneOutput, error) {
	name, p := parseName(in.Name)
	switch {
	case in.CallerReference == "" || len(in.CallerReference) > maxCallerRef:
		return nil, invalidInput("CallerReference must be 1 to %d characters", maxCallerRef)
	case p != nil || name.stored == ".":
		return nil, ErrInvalidDomainName.Newf("%s is not a valid domain name", in.Name)
	case in.DelegationSetId != "":
		return nil, invalidInput("Portolan does not support reusable delegation sets (DelegationSetId)")
	case in.HostedZoneConfig != nil && len(in.HostedZoneConfig.Comment) > maxComment:
		return nil, invalidInput("Comment must be at most %d characters", maxComment)
	}
	private := in.VPC != nil
	if private || in.HostedZoneConfig != nil && in.HostedZoneConfig.PrivateZone {
		if err := c.checkVPC(in.VPC); err != nil {
			return nil, err
		}
	}
	id := newID("Z")
	rec := zoneRecord{HostedZone: HostedZone{Id: "/hostedzone/" + id, Name: name.stored, CallerReference: in.CallerReference,
		Config: &HostedZoneConfig{PrivateZone: private}}}
	if in.HostedZoneConfig != nil {
		rec.Config.Comment = in.HostedZoneConfig.Comment
	}
	rec.NameServers = privateNameServers
	if private {
		rec.VPCs = []VPC{*in.VPC}
	} else {
		rec.NameServers = publicNameServers()
	}
	change, changeOp := newChange("")
	err := c.commit(ctx, func() (store.Txn, error) {
		prior, _, err := store.GetJSON[string](ctx, c.st, callerRefKey(in.CallerReference))
		switch {
		case err == nil:
			return store.Txn{}, ErrHostedZoneAlreadyExists.Newf("A hosted zone has already been created with the specified caller reference (%s).", *prior)
		case !errors.Is(err, store.ErrNotFound):
			return store.Txn{}, err
		}
		if private {
			if z := c.conflictingPrivateZone(name.stored, *in.VPC, ""); z != "" {
				return store.Txn{}, conflictingDomain(*in.VPC, z)
			}
		}
		ops := []store.Op{
			store.Put(zoneKey(id), store.JSON(rec)),
			store.Put(callerRefKey(in.CallerReference), store.JSON(id)),
			store.Put(zoneVersionKey(id), nil),
			changeOp,
		}
		for _, set := range apexSets(rec) {
			ops = append(ops, store.Put(rrsetKey(id, &set), store.JSON(set)))
		}
		return store.Txn{If: []store.Cmp{store.Absent(callerRefKey(in.CallerReference)), store.Absent(zoneKey(id))}, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	info, err := c.committedChange(ctx, change)
	if err != nil {
		return nil, err
	}
	out := &CreateHostedZoneOutput{HostedZone: rec.HostedZone, ChangeInfo: info}
	out.HostedZone.ResourceRecordSetCount = 2
	if private {
		out.VPC = in.VPC
	} else {
		out.DelegationSet = &DelegationSet{NameServers: rec.NameServers}
	}
	return out, nil
}

// apexSets are the SOA and NS record sets a new zone starts with.
func apexSets(rec zoneRecord) []ResourceRecordSet {
	ns := make([]ResourceRecord, len(rec.NameServers))
	for i, n := range rec.NameServers {
		ns[i] = ResourceRecord{n}
	}
	return []ResourceRecordSet{
		{Name: rec.Name, Type: "SOA", TTL: int64Ptr(soaTTL), ResourceRecords: []ResourceRecord{{rec.NameServers[0] + soaRest}}},
		{Name: rec.Name, Type: "NS", TTL: int64Ptr(nsTTL), ResourceRecords: ns},
	}
}

// checkVPC validates a VPC a client names, defaulting its region.
func (c *Control) checkVPC(v *VPC) error {
	if v == nil || !vpcIDPattern.MatchString(v.VPCId) {
		return ErrInvalidVPCId.Newf("Invalid or missing VPC Id.")
	}
	if v.VPCRegion == "" {
		v.VPCRegion = c.cfg.Region
	}
	return nil
}

// conflictingPrivateZone is the id of another private zone named name
// that is associated with vpc (except the zone except), or "".
func (c *Control) conflictingPrivateZone(name string, vpc VPC, except string) string {
	for _, z := range c.snapshot().zones {
		if z.rec.Name != name || z.rec.Id == except || z.rec.Config == nil || !z.rec.Config.PrivateZone {
			continue
		}
		for _, v := range z.rec.VPCs {
			if v.VPCId == vpc.VPCId && v.VPCRegion == vpc.VPCRegion {
				return strings.TrimPrefix(z.rec.Id, "/hostedzone/")
			}
		}
	}
	return ""
}

func conflictingDomain(vpc VPC, zoneID string) error {
	return ErrConflictingDomainExists.Newf("The VPC %s in %s region has already been associated with the hosted zone %s with the same domain name.", vpc.VPCId, vpc.VPCRegion, zoneID)
}

type GetHostedZoneInput struct {
	Id string `uri:"Id"`
}

type GetHostedZoneOutput struct {
	HostedZone    HostedZone
	DelegationSet *DelegationSet `xml:",omitempty"`
	VPCs          *list[VPC]     `xml:",omitempty"`
}

func (c *Control) GetHostedZone(ctx context.Context, in *GetHostedZoneInput) (*GetHostedZoneOutput, error) {
	id := bareZoneID(in.Id)
	if z := c.snapshot().Zone(id); z != nil {
		out := &GetHostedZoneOutput{HostedZone: z.HostedZone()}
		if z.rec.Config != nil && z.rec.Config.PrivateZone {
			out.VPCs = &list[VPC]{"VPC", z.rec.VPCs}
		} else {
			out.DelegationSet = &DelegationSet{NameServers: z.rec.NameServers}
		}
		return out, nil
	}
	if z := c.linkedZoneByID(id); z != nil {
		out := &GetHostedZoneOutput{HostedZone: z.hostedZone()}
		if z.private() {
			out.VPCs = &list[VPC]{"VPC", z.vpcs(c.cfg.Region)}
		}
		return out, nil
	}
	return nil, noSuchHostedZone(id)
}

// bareZoneID takes a zone id with or without its "/hostedzone/" prefix.
func bareZoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

// listedZone is a zone as the listings see it, Route 53's or Cloud Map's.
type listedZone struct {
	zone    HostedZone
	id      string // bare
	sortKey string // the name with its labels reversed
}

// allZones are Route 53's zones and Cloud Map's, by id.
func (c *Control) allZones() []listedZone {
	var out []listedZone
	for id, z := range c.snapshot().zones {
		h := z.HostedZone()
		out = append(out, listedZone{h, id, sortKey(h.Name)})
	}
	for _, z := range c.linkedZones() {
		h := z.hostedZone()
		out = append(out, listedZone{h, z.id, sortKey(h.Name)})
	}
	slices.SortFunc(out, func(a, b listedZone) int { return strings.Compare(a.id, b.id) })
	return out
}

type ListHostedZonesInput struct {
	Marker          string `query:"marker"`
	MaxItems        string `query:"maxitems"`
	DelegationSetId string `query:"delegationsetid"`
	HostedZoneType  string `query:"hostedzonetype"`
}

type ListHostedZonesOutput struct {
	HostedZones list[HostedZone]
	Marker      string `xml:",omitempty"`
	IsTruncated bool
	NextMarker  string `xml:",omitempty"`
	MaxItems    int
}

// ListHostedZones lists zones in id order; Marker is the id of the first
// zone of the page.
func (c *Control) ListHostedZones(ctx context.Context, in *ListHostedZonesInput) (*ListHostedZonesOutput, error) {
	maxItems, err := parseMaxItems(in.MaxItems, maxZonesPage)
	if err != nil {
		return nil, err
	}
	if in.DelegationSetId != "" {
		return nil, invalidInput("Portolan does not support reusable delegation sets (delegationsetid)")
	}
	if in.HostedZoneType != "" && in.HostedZoneType != "PrivateHostedZone" {
		return nil, invalidInput("hostedzonetype must be PrivateHostedZone")
	}
	marker := bareZoneID(in.Marker)
	var page []HostedZone
	out := &ListHostedZonesOutput{Marker: in.Marker, MaxItems: maxItems}
	for _, z := range c.allZones() {
		if z.id < marker || in.HostedZoneType != "" && !z.zone.Config.PrivateZone {
			continue
		}
		if len(page) == maxItems {
			out.IsTruncated, out.NextMarker = true, z.id
			break
		}
		page = append(page, z.zone)
	}
	out.HostedZones = listOf("HostedZone", page)
	return out, nil
}

// parseMaxItems reads a maxitems parameter: at most limit (a larger value
// is limit, as Route 53 does), limit when absent.
func parseMaxItems(s string, limit int) (int, error) {
	if s == "" {
		return limit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, invalidInput("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a positive integer", s)
	}
	return min(n, limit), nil
}

type ListHostedZonesByNameInput struct {
	DNSName      string `query:"dnsname"`
	HostedZoneId string `query:"hostedzoneid"`
	MaxItems     string `query:"maxitems"`
}

type ListHostedZonesByNameOutput struct {
	HostedZones      list[HostedZone]
	DNSName          string `xml:",omitempty"`
	HostedZoneId     string `xml:",omitempty"`
	IsTruncated      bool
	NextDNSName      string `xml:",omitempty"`
	NextHostedZoneId string `xml:",omitempty"`
	MaxItems         int
}

// ListHostedZonesByName lists zones by name with its labels reversed
// (com.example.www.), then by id, from DNSName (and HostedZoneId) on.
func (c *Control) ListHostedZonesByName(ctx context.Context, in *ListHostedZonesByNameInput) (*ListHostedZonesByNameOutput, error) {
	maxItems, err := parseMaxItems(in.MaxItems, maxZonesPage)
	if err != nil {
		return nil, err
	}
	if in.HostedZoneId != "" && in.DNSName == "" {
		return nil, invalidInput("HostedZoneId may be given only with DNSName")
	}
	out := &ListHostedZonesByNameOutput{DNSName: in.DNSName, HostedZoneId: in.HostedZoneId, MaxItems: maxItems}
	var start string
	if in.DNSName != "" {
		n, p := parseName(in.DNSName)
		if p != nil {
			return nil, ErrInvalidDomainName.Newf("%s is not a valid domain name", in.DNSName)
		}
		start = sortKey(n.stored)
	}
	startID := bareZoneID(in.HostedZoneId)
	zones := c.allZones()
	slices.SortFunc(zones, func(a, b listedZone) int {
		return cmp.Or(strings.Compare(a.sortKey, b.sortKey), strings.Compare(a.id, b.id))
	})
	var page []HostedZone
	for _, z := range zones {
		if cmp.Or(strings.Compare(z.sortKey, start), strings.Compare(z.id, startID)) < 0 {
			continue
		}
		if len(page) == maxItems {
			out.IsTruncated, out.NextDNSName, out.NextHostedZoneId = true, z.zone.Name, z.id
			break
		}
		page = append(page, z.zone)
	}
	out.HostedZones = listOf("HostedZone", page)
	return out, nil
}

type GetHostedZoneCountInput struct{}

type GetHostedZoneCountOutput struct{ HostedZoneCount int64 }

func (c *Control) GetHostedZoneCount(ctx context.Context, _ *GetHostedZoneCountInput) (*GetHostedZoneCountOutput, error) {
	return &GetHostedZoneCountOutput{HostedZoneCount: int64(len(c.allZones()))}, nil
}

type DeleteHostedZoneInput struct {
	Id string `uri:"Id"`
}

type DeleteHostedZoneOutput struct{ ChangeInfo ChangeInfo }

// DeleteHostedZone deletes a zone that holds nothing but its apex SOA and
// NS, which go with it.
func (c *Control) DeleteHostedZone(ctx context.Context, in *DeleteHostedZoneInput) (*DeleteHostedZoneOutput, error) {
	id := bareZoneID(in.Id)
	if z := c.linkedZoneByID(id); z != nil {
		return nil, managedByCloudMap(id, z.ns.Arn)
	}
	change, changeOp := newChange("")
	err := c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[zoneRecord](ctx, c.st, zoneKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, noSuchHostedZone(id)
		}
		if err != nil {
			return store.Txn{}, err
		}
		ver, err := c.st.Get(ctx, zoneVersionKey(id))
		if err != nil {
			return store.Txn{}, err
		}
		sets, _, err := c.st.List(ctx, zoneSetsPrefix(id))
		if err != nil {
			return store.Txn{}, err
		}
		ops := []store.Op{store.Delete(zoneKey(id)), store.Delete(zoneVersionKey(id)), changeOp}
		for _, s := range sets {
			set := store.DecodeJSON[ResourceRecordSet](s.Value)
			if set == nil || set.Name != rec.Name || set.Type != "SOA" && set.Type != "NS" {
				return store.Txn{}, ErrHostedZoneNotEmpty.Newf("The hosted zone contains resource records that are not SOA or NS records.")
			}
			ops = append(ops, store.Delete(s.Key))
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv), store.Unchanged(ver)}, Then: ops}, nil
	})
	if err != nil {
		return nil, err
	}
	info, err := c.committedChange(ctx, change)
	if err != nil {
		return nil, err
	}
	return &DeleteHostedZoneOutput{ChangeInfo: info}, nil
}

type UpdateHostedZoneCommentInput struct {
	XMLName xml.Name `xml:"UpdateHostedZoneCommentRequest"`
	Id      string   `xml:"-" uri:"Id"`
	Comment string
}

type UpdateHostedZoneCommentOutput struct{ HostedZone HostedZone }

func (c *Control) UpdateHostedZoneComment(ctx context.Context, in *UpdateHostedZoneCommentInput) (*UpdateHostedZoneCommentOutput, error) {
	id := bareZoneID(in.Id)
	if len(in.Comment) > maxComment {
		return nil, invalidInput("Comment must be at most %d characters", maxComment)
	}
	if z := c.linkedZoneByID(id); z != nil {
		return nil, managedByCloudMap(id, z.ns.Arn)
	}
	err := c.updateZone(ctx, id, func(rec *zoneRecord) error {
		if rec.Config == nil {
			rec.Config = &HostedZoneConfig{}
		}
		rec.Config.Comment = in.Comment
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateHostedZoneCommentOutput{HostedZone: c.snapshot().Zone(id).HostedZone()}, nil
}

// updateZone rewrites a zone's record with what change makes of it, and
// the change record when there is one.
func (c *Control) updateZone(ctx context.Context, id string, change func(*zoneRecord) error, extra ...store.Op) error {
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := store.GetJSON[zoneRecord](ctx, c.st, zoneKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, noSuchHostedZone(id)
		}
		if err != nil {
			return store.Txn{}, err
		}
		if err := change(rec); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: append([]store.Op{store.Put(zoneKey(id), store.JSON(rec))}, extra...)}, nil
	})
}
