package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/portolan/portolan/internal/ec2"
)

// ec2Handlers are the EC2 resource types the EC2 service makes real.
func ec2Handlers(c *ec2.Control) map[string]Handler {
	return map[string]Handler{
		"AWS::EC2::VPC":                         ec2VPC{c},
		"AWS::EC2::Subnet":                      ec2Subnet{c},
		"AWS::EC2::SecurityGroup":               ec2SecurityGroup{c},
		"AWS::EC2::SecurityGroupIngress":        ec2GroupRule{c, false},
		"AWS::EC2::SecurityGroupEgress":         ec2GroupRule{c, true},
		"AWS::EC2::InternetGateway":             ec2InternetGateway{c},
		"AWS::EC2::VPCGatewayAttachment":        ec2GatewayAttachment{c},
		"AWS::EC2::RouteTable":                  ec2RouteTable{c},
		"AWS::EC2::Route":                       ec2Route{c},
		"AWS::EC2::SubnetRouteTableAssociation": ec2RouteTableAssociation{c},
		"AWS::EC2::NatGateway":                  ec2NatGateway{c},
		"AWS::EC2::EIP":                         ec2EIP{c},
		"AWS::EC2::VPCPeeringConnection":        ec2Peering{c},
		"AWS::EC2::VPCEndpoint":                 vpcEndpoint{c},
	}
}

// ---- VPCEndpoint ----

// vpcEndpointProps are AWS::EC2::VPCEndpoint's properties. PolicyDocument
// is JSON in the template (an object, or a string holding one).
type vpcEndpointProps struct {
	VpcId             string
	ServiceName       string
	VpcEndpointType   string
	SubnetIds         []string
	SecurityGroupIds  []string
	RouteTableIds     []string
	PrivateDnsEnabled *bool
	PolicyDocument    any
	IpAddressType     string
	Tags              []ec2.Tag
}

func (p *vpcEndpointProps) policy() (*string, error) {
	switch doc := p.PolicyDocument.(type) {
	case nil:
		return nil, nil
	case string:
		return &doc, nil
	default:
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("PolicyDocument: %w", err)
		}
		s := string(b)
		return &s, nil
	}
}

type vpcEndpoint struct{ c *ec2.Control }

func (h vpcEndpoint) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p vpcEndpointProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	policy, err := p.policy()
	if err != nil {
		return "", nil, err
	}
	in := &ec2.CreateVpcEndpointInput{
		VpcId: &p.VpcId, ServiceName: &p.ServiceName, SubnetIds: p.SubnetIds, SecurityGroupIds: p.SecurityGroupIds,
		RouteTableIds: p.RouteTableIds, PolicyDocument: policy, PrivateDnsEnabled: p.PrivateDnsEnabled,
		// A deploy retried after a crash finds the endpoint it made.
		ClientToken: ptrTo(creatorRequestID(r)),
	}
	if p.VpcEndpointType != "" {
		in.VpcEndpointType = &p.VpcEndpointType
	}
	if p.IpAddressType != "" {
		in.IpAddressType = &p.IpAddressType
	}
	if len(p.Tags) > 0 {
		in.TagSpecifications = []ec2.TagSpecification{{ResourceType: ptrTo("vpc-endpoint"), Tags: p.Tags}}
	}
	if p.VpcEndpointType == ec2.TypeInterface {
		// CloudFormation's default, unlike the API's (true for Interface).
		in.PrivateDnsEnabled = cmpOr(p.PrivateDnsEnabled, false)
	}
	out, err := h.c.CreateVpcEndpoint(ctx, in)
	if err != nil {
		return "", nil, err
	}
	return out.VpcEndpoint.VpcEndpointId, vpcEndpointAttrs(out.VpcEndpoint), nil
}

// vpcEndpointAttrs are the endpoint's return values: DnsEntries as
// "hostedZoneId:dnsName" strings, as CloudFormation gives them.
func vpcEndpointAttrs(v *ec2.VpcEndpoint) map[string]any {
	dns := make([]string, 0, len(v.DnsEntries))
	for _, d := range v.DnsEntries {
		dns = append(dns, d.HostedZoneId+":"+d.DnsName)
	}
	enis := v.NetworkInterfaceIds
	if enis == nil {
		enis = []string{}
	}
	return map[string]any{
		"Id": v.VpcEndpointId, "DnsEntries": dns, "NetworkInterfaceIds": enis,
		"CreationTimestamp": v.CreationTimestamp.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

// Update: VpcId, ServiceName and VpcEndpointType replace the endpoint, as
// in CloudFormation; subnets, security groups, route tables, policy,
// private DNS and tags change in place.
func (h vpcEndpoint) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var p, was vpcEndpointProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if p.VpcId != was.VpcId || p.ServiceName != was.ServiceName || p.VpcEndpointType != was.VpcEndpointType {
		return nil, ErrReplace
	}
	policy, err := p.policy()
	if err != nil {
		return nil, err
	}
	id := r.PhysicalID
	in := &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id,
		AddSubnetIds: missingFrom(p.SubnetIds, was.SubnetIds), RemoveSubnetIds: missingFrom(was.SubnetIds, p.SubnetIds),
		AddSecurityGroupIds: missingFrom(p.SecurityGroupIds, was.SecurityGroupIds), RemoveSecurityGroupIds: missingFrom(was.SecurityGroupIds, p.SecurityGroupIds),
		AddRouteTableIds: missingFrom(p.RouteTableIds, was.RouteTableIds), RemoveRouteTableIds: missingFrom(was.RouteTableIds, p.RouteTableIds),
		PolicyDocument: policy,
	}
	if policy == nil && was.PolicyDocument != nil {
		in.ResetPolicy = ptrTo(true)
	}
	if p.VpcEndpointType == ec2.TypeInterface {
		in.PrivateDnsEnabled = cmpOr(p.PrivateDnsEnabled, false)
	}
	if _, err := h.c.ModifyVpcEndpoint(ctx, in); err != nil {
		return nil, err
	}
	if err := syncTags(ctx, h.c, id, p.Tags, was.Tags); err != nil {
		return nil, err
	}
	out, err := h.c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		return nil, err
	}
	return vpcEndpointAttrs(&out.VpcEndpoints[0]), nil
}

// syncTags brings an EC2 resource's tags from had to want.
func syncTags(ctx context.Context, c *ec2.Control, id string, want, had []ec2.Tag) error {
	if slices.Equal(want, had) {
		return nil
	}
	var gone []ec2.Tag
	for _, t := range had {
		if !slices.ContainsFunc(want, func(w ec2.Tag) bool { return w.Key == t.Key }) {
			gone = append(gone, ec2.Tag{Key: t.Key})
		}
	}
	if len(gone) > 0 {
		if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: gone}); err != nil {
			return err
		}
	}
	if len(want) == 0 {
		return nil
	}
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: want})
	return err
}

func (h vpcEndpoint) Delete(ctx context.Context, r *Resource) error {
	out, err := h.c.DeleteVpcEndpoints(ctx, &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{r.PhysicalID}})
	if err != nil {
		return err
	}
	// Already gone is what a delete wants; anything else failed it.
	for _, u := range out.Unsuccessful {
		if u.Error != nil && u.Error.Code != "InvalidVpcEndpoint.NotFound" {
			return errors.New(u.Error.Code + ": " + u.Error.Message)
		}
	}
	return nil
}

// missingFrom is what of a is not in b.
func missingFrom(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }

// cmpOr is p, or a pointer to def when p is nil.
func cmpOr[T any](p *T, def T) *T {
	if p != nil {
		return p
	}
	return &def
}
