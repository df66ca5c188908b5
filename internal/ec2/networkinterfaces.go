package ec2

import (
	"context"
	"slices"
	"strings"
)

// TaskInterfaces lists the network interfaces ECS made for its running
// awsvpc tasks. EC2 reads them through this (the server wires ECS in)
// rather than ECS's store keys: ECS owns its tasks.
type TaskInterfaces interface {
	TaskInterfaces(ctx context.Context) ([]TaskInterface, error)
}

// TaskInterface is one running task's interface.
type TaskInterface struct {
	ID             string // eni-…
	AttachmentID   string // the task's ENI attachment (a UUID)
	SubnetID       string
	PrivateIP      string
	SecurityGroups []string
	TaskARN        string
}

// NetworkInterface is an interface as DescribeNetworkInterfaces reports it.
type NetworkInterface struct {
	NetworkInterfaceId string
	SubnetId           string
	VpcId              string
	AvailabilityZone   string
	Description        string
	OwnerId            string
	RequesterId        string
	RequesterManaged   bool
	Status             string
	InterfaceType      string
	MacAddress         string
	PrivateIpAddress   string
	SourceDestCheck    bool
	Groups             []GroupIdentifier                `ec2:"groupSet"`
	PrivateIpAddresses []NetworkInterfacePrivateAddress `ec2:"privateIpAddressesSet"`
	Attachment         *NetworkInterfaceAttachment
	Tags               []Tag `ec2:"tagSet"`
}

type GroupIdentifier struct {
	GroupId   string
	GroupName string
}

type NetworkInterfacePrivateAddress struct {
	PrivateIpAddress string
	Primary          bool
}

type NetworkInterfaceAttachment struct {
	AttachmentId        string
	Status              string
	DeviceIndex         int32
	DeleteOnTermination bool
	InstanceOwnerId     string
}

type DescribeNetworkInterfacesInput struct {
	DryRun              *bool
	NetworkInterfaceIds []string `ec2:"NetworkInterfaceId"`
	Filters             []Filter `ec2:"Filter"`
	MaxResults          *int32
	NextToken           *string
}

type DescribeNetworkInterfacesOutput struct {
	NetworkInterfaces []NetworkInterface `ec2:"networkInterfaceSet"`
	NextToken         *string
}

// ecsRequesterID is the principal AWS names as the requester of the
// interfaces Fargate tasks get.
const ecsRequesterID = "578734482556"

func (c *Control) taskInterfaces(ctx context.Context) ([]TaskInterface, error) {
	if c.cfg.Interfaces == nil {
		return nil, nil
	}
	return c.cfg.Interfaces.TaskInterfaces(ctx)
}

var eniFilters = []string{"network-interface-id", "subnet-id", "vpc-id", "availability-zone", "description", "status", "group-id",
	"private-ip-address", "addresses.private-ip-address", "requester-id", "requester-managed", "interface-type", "owner-id", "attachment.status", "tag-key", "tag:"}

func eniFilterValues(n *NetworkInterface, name string) []string {
	switch name {
	case "network-interface-id":
		return []string{n.NetworkInterfaceId}
	case "subnet-id":
		return []string{n.SubnetId}
	case "vpc-id":
		return []string{n.VpcId}
	case "availability-zone":
		return []string{n.AvailabilityZone}
	case "description":
		return []string{n.Description}
	case "status":
		return []string{n.Status}
	case "private-ip-address", "addresses.private-ip-address":
		return []string{n.PrivateIpAddress}
	case "requester-id":
		return []string{n.RequesterId}
	case "requester-managed":
		return boolValues(n.RequesterManaged)
	case "interface-type":
		return []string{n.InterfaceType}
	case "owner-id":
		return []string{n.OwnerId}
	case "attachment.status":
		return []string{n.Attachment.Status}
	case "group-id":
		var out []string
		for _, g := range n.Groups {
			out = append(out, g.GroupId)
		}
		return out
	}
	return tagFilterValues(n.Tags, name)
}

// DescribeNetworkInterfaces lists the interfaces of running awsvpc tasks
// (one each, with the task's private address), by id, filtered.
func (c *Control) DescribeNetworkInterfaces(ctx context.Context, in *DescribeNetworkInterfacesInput) (*DescribeNetworkInterfacesOutput, error) {
	enis, err := c.taskInterfaces(ctx)
	if err != nil {
		return nil, err
	}
	subnets, err := listRecords[subnetRecord](ctx, c.st, subnetPrefix)
	if err != nil {
		return nil, err
	}
	groups, err := listRecords[securityGroupRecord](ctx, c.st, groupPrefix)
	if err != nil {
		return nil, err
	}
	records := make([]*NetworkInterface, 0, len(enis))
	for _, e := range enis {
		records = append(records, c.networkInterface(e, subnets, groups))
	}
	slices.SortFunc(records, func(a, b *NetworkInterface) int { return strings.Compare(a.NetworkInterfaceId, b.NetworkInterfaceId) })
	d := describer[NetworkInterface, NetworkInterface]{filters: eniFilters, values: eniFilterValues,
		id:     func(n *NetworkInterface) string { return n.NetworkInterfaceId },
		render: func(n *NetworkInterface) NetworkInterface { return *n },
		notFound: func(id string) error {
			return ErrNetworkInterfaceNotFound.Newf("The networkInterface ID '%s' does not exist", id)
		}}
	out, next, err := describeIn(records, d, describeQuery{in.DryRun, in.NetworkInterfaceIds, in.Filters, in.MaxResults, in.NextToken})
	if err != nil {
		return nil, err
	}
	return &DescribeNetworkInterfacesOutput{NetworkInterfaces: out, NextToken: next}, nil
}

// networkInterface shapes a task's interface as Fargate's look: in its
// subnet's VPC and zone, managed by ECS, described by its attachment.
func (c *Control) networkInterface(e TaskInterface, subnets []*subnetRecord, groups []*securityGroupRecord) *NetworkInterface {
	n := &NetworkInterface{NetworkInterfaceId: e.ID, SubnetId: e.SubnetID, OwnerId: c.cfg.AccountID, RequesterId: ecsRequesterID, RequesterManaged: true,
		Status: "in-use", InterfaceType: "interface", PrivateIpAddress: e.PrivateIP, SourceDestCheck: true,
		Description: "arn:aws:ecs:" + c.cfg.Region + ":" + c.cfg.AccountID + ":attachment/" + e.AttachmentID,
		MacAddress:  macOf(e.ID), Groups: []GroupIdentifier{}, Tags: []Tag{},
		PrivateIpAddresses: []NetworkInterfacePrivateAddress{{PrivateIpAddress: e.PrivateIP, Primary: true}},
		Attachment:         &NetworkInterfaceAttachment{AttachmentId: stableID("ela-attach-", e.ID), Status: "attached", DeviceIndex: 1, InstanceOwnerId: ecsRequesterID},
	}
	if i := slices.IndexFunc(subnets, func(s *subnetRecord) bool { return s.SubnetId == e.SubnetID }); i >= 0 {
		n.VpcId, n.AvailabilityZone = subnets[i].VpcId, subnets[i].AvailabilityZone
	}
	for _, id := range e.SecurityGroups {
		g := GroupIdentifier{GroupId: id}
		if i := slices.IndexFunc(groups, func(r *securityGroupRecord) bool { return r.GroupId == id }); i >= 0 {
			g.GroupName = groups[i].GroupName
		}
		n.Groups = append(n.Groups, g)
	}
	return n
}

// macOf is a stable locally administered MAC for an interface id.
func macOf(id string) string {
	h := stableID("", id)
	return "02:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}
