package ec2

import "context"

// AddressAttribute is an Elastic IP's reverse DNS record as
// DescribeAddressesAttribute shows it. The Terraform provider reads it
// for aws_eip (ptr_record); Portolan keeps no PTR records, so none is set.
type AddressAttribute struct {
	PublicIp     string
	AllocationId string
	PtrRecord    *string
}

type DescribeAddressesAttributeInput struct {
	DryRun        *bool
	AllocationIds []string `ec2:"AllocationId"`
	Attribute     *string
	MaxResults    *int
	NextToken     *string
}

type DescribeAddressesAttributeOutput struct {
	Addresses []AddressAttribute `ec2:"addressSet"`
	NextToken *string
}

// DescribeAddressesAttribute answers the domain-name attribute of the
// given Elastic IPs (or all of them).
func (c *Control) DescribeAddressesAttribute(ctx context.Context, in *DescribeAddressesAttributeInput) (*DescribeAddressesAttributeOutput, error) {
	// The attribute is optional; domain-name is the only one there is.
	if a := deref(in.Attribute); a != "" && a != "domain-name" {
		return nil, invalidValue("Value (%s) for parameter attribute is invalid. Valid values: domain-name", a)
	}
	addrs, err := c.DescribeAddresses(ctx, &DescribeAddressesInput{DryRun: in.DryRun, AllocationIds: in.AllocationIds})
	if err != nil {
		return nil, err
	}
	out := &DescribeAddressesAttributeOutput{Addresses: []AddressAttribute{}}
	for _, a := range addrs.Addresses {
		out.Addresses = append(out.Addresses, AddressAttribute{PublicIp: a.PublicIp, AllocationId: a.AllocationId})
	}
	return out, nil
}
