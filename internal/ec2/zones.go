package ec2

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// AvailabilityZone is a zone as DescribeAvailabilityZones reports it.
type AvailabilityZone struct {
	ZoneName           string
	ZoneId             string
	State              string `ec2:"zoneState"`
	RegionName         string
	ZoneType           string
	OptInStatus        string
	GroupName          string
	NetworkBorderGroup string
	Messages           []AvailabilityZoneMessage `ec2:"messageSet"`
}

type AvailabilityZoneMessage struct{ Message string }

type DescribeAvailabilityZonesInput struct {
	DryRun               *bool
	ZoneNames            []string `ec2:"ZoneName"`
	ZoneIds              []string `ec2:"ZoneId"`
	AllAvailabilityZones *bool
	Filters              []Filter `ec2:"Filter"`
}

type DescribeAvailabilityZonesOutput struct {
	AvailabilityZones []AvailabilityZone `ec2:"availabilityZoneInfo"`
}

// zoneID is a zone's id, the same in every account here: use1-az1 for
// us-east-1a (AWS shuffles names per account; Portolan has one account).
func zoneID(region, zone string) string {
	words := strings.Split(region, "-")
	if len(words) < 3 {
		return region + "-az" + strings.TrimPrefix(zone, region)
	}
	short := words[0]
	for _, w := range words[1 : len(words)-1] {
		for _, part := range []string{"north", "south", "east", "west", "central"} {
			if rest, ok := strings.CutPrefix(w, part); ok {
				short += part[:1]
				w = rest
			}
		}
	}
	short += words[len(words)-1]
	letter := strings.TrimPrefix(zone, region)
	if len(letter) != 1 {
		return short + "-az0"
	}
	return short + "-az" + strconv.Itoa(int(letter[0]-'a')+1)
}

var zoneFilters = []string{"zone-name", "zone-id", "state", "region-name", "zone-type", "opt-in-status", "group-name", "network-border-group"}

// DescribeAvailabilityZones lists the region's zones, all available.
func (c *Control) DescribeAvailabilityZones(ctx context.Context, in *DescribeAvailabilityZonesInput) (*DescribeAvailabilityZonesOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(in.Filters, zoneFilters)
	if err != nil {
		return nil, err
	}
	var all []AvailabilityZone
	for _, z := range availabilityZones(c.cfg.Region) {
		all = append(all, AvailabilityZone{ZoneName: z, ZoneId: zoneID(c.cfg.Region, z), State: "available", RegionName: c.cfg.Region,
			ZoneType: "availability-zone", OptInStatus: "opt-in-not-required", GroupName: c.cfg.Region, NetworkBorderGroup: c.cfg.Region,
			Messages: []AvailabilityZoneMessage{}})
	}
	for _, n := range in.ZoneNames {
		if !slices.ContainsFunc(all, func(z AvailabilityZone) bool { return z.ZoneName == n }) {
			return nil, invalidValue("The zone '%s' does not exist.", n)
		}
	}
	for _, id := range in.ZoneIds {
		if !slices.ContainsFunc(all, func(z AvailabilityZone) bool { return z.ZoneId == id }) {
			return nil, invalidValue("The zone ID '%s' does not exist.", id)
		}
	}
	out := []AvailabilityZone{}
	for _, z := range all {
		if len(in.ZoneNames)+len(in.ZoneIds) > 0 && !slices.Contains(in.ZoneNames, z.ZoneName) && !slices.Contains(in.ZoneIds, z.ZoneId) {
			continue
		}
		if match(func(name string) []string {
			return map[string][]string{"zone-name": {z.ZoneName}, "zone-id": {z.ZoneId}, "state": {z.State}, "region-name": {z.RegionName},
				"zone-type": {z.ZoneType}, "opt-in-status": {z.OptInStatus}, "group-name": {z.GroupName}, "network-border-group": {z.NetworkBorderGroup}}[name]
		}) {
			out = append(out, z)
		}
	}
	return &DescribeAvailabilityZonesOutput{AvailabilityZones: out}, nil
}

// AccountAttribute is one of the account's EC2 attributes.
type AccountAttribute struct {
	AttributeName   string
	AttributeValues []AccountAttributeValue `ec2:"attributeValueSet"`
}

type AccountAttributeValue struct{ AttributeValue string }

type DescribeAccountAttributesInput struct {
	DryRun         *bool
	AttributeNames []string `ec2:"AttributeName"`
}

type DescribeAccountAttributesOutput struct {
	AccountAttributes []AccountAttribute `ec2:"accountAttributeSet"`
}

// DescribeAccountAttributes answers the account's attributes: a VPC-only
// platform, its default VPC, and AWS's default quotas.
func (c *Control) DescribeAccountAttributes(ctx context.Context, in *DescribeAccountAttributesInput) (*DescribeAccountAttributesOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	defaultVPC, err := c.defaultVpcID(ctx)
	if err != nil {
		defaultVPC = "none"
	}
	all := []struct{ name, value string }{
		{"supported-platforms", "VPC"}, {"default-vpc", defaultVPC}, {"max-instances", "20"},
		{"vpc-max-security-groups-per-interface", "5"}, {"max-elastic-ips", "5"}, {"vpc-max-elastic-ips", "5"},
	}
	out := []AccountAttribute{}
	for _, n := range in.AttributeNames {
		if !slices.ContainsFunc(all, func(a struct{ name, value string }) bool { return a.name == n }) {
			return nil, invalidValue("Value (%s) for parameter attributeName is invalid.", n)
		}
	}
	for _, a := range all {
		if len(in.AttributeNames) == 0 || slices.Contains(in.AttributeNames, a.name) {
			out = append(out, AccountAttribute{AttributeName: a.name, AttributeValues: []AccountAttributeValue{{a.value}}})
		}
	}
	return &DescribeAccountAttributesOutput{AccountAttributes: out}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
