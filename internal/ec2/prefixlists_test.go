package ec2_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/ec2/ec2test"
)

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// TestProviderReadOnlyActions: the read-only calls the Terraform provider
// makes beside the resources themselves: the AWS-managed prefix list of a
// Gateway endpoint service (aws_vpc_endpoint reads prefix_list_id by
// name), the region, an Elastic IP's PTR record (aws_eip), and their
// errors.
func TestProviderReadOnlyActions(t *testing.T) {
	e := ec2test.Start(t)
	c, ctx := e.Client(), context.Background()

	byName, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.us-east-1.s3")}})
	if err != nil || len(byName.PrefixLists) != 1 || aws.ToString(byName.PrefixLists[0].PrefixListName) != "com.amazonaws.us-east-1.s3" {
		t.Fatalf("DescribePrefixLists by name: %+v %v", byName, err)
	}
	id := aws.ToString(byName.PrefixLists[0].PrefixListId)
	managed, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{id}})
	if err != nil || len(managed.PrefixLists) != 1 || aws.ToString(managed.PrefixLists[0].OwnerId) != "AWS" ||
		managed.PrefixLists[0].State != types.PrefixListStateCreateComplete || aws.ToString(managed.PrefixLists[0].PrefixListName) != "com.amazonaws.us-east-1.s3" {
		t.Fatalf("DescribeManagedPrefixLists: %+v %v", managed, err)
	}
	all, err := c.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{})
	if err != nil || len(all.PrefixLists) != 2 { // S3 and DynamoDB
		t.Fatalf("every managed list: %+v %v", all, err)
	}
	entries, err := c.GetManagedPrefixListEntries(ctx, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: &id})
	if err != nil || len(entries.Entries) != 0 {
		t.Fatalf("GetManagedPrefixListEntries: %+v %v", entries, err)
	}
	if _, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{PrefixListIds: []string{"pl-00000000"}}); code(err) != "InvalidPrefixListID.NotFound" {
		t.Fatalf("unknown prefix list: %v", err)
	}
	if _, err := c.DescribePrefixLists(ctx, &ec2.DescribePrefixListsInput{Filters: []types.Filter{filter("colour", "red")}}); code(err) != "InvalidParameterValue" && code(err) != "InvalidFilter" {
		t.Fatalf("unknown filter: %v", err)
	}

	regions, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil || len(regions.Regions) != 1 || aws.ToString(regions.Regions[0].RegionName) != "us-east-1" ||
		aws.ToString(regions.Regions[0].Endpoint) != "ec2.us-east-1.amazonaws.com" {
		t.Fatalf("DescribeRegions: %+v %v", regions, err)
	}
	if _, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"mars-1"}}); code(err) != "InvalidParameterValue" {
		t.Fatalf("unknown region: %v", err)
	}

	eip, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	attr, err := c.DescribeAddressesAttribute(ctx, &ec2.DescribeAddressesAttributeInput{AllocationIds: []string{*eip.AllocationId}, Attribute: types.AddressAttributeNameDomainName})
	if err != nil || len(attr.Addresses) != 1 || aws.ToString(attr.Addresses[0].PublicIp) != aws.ToString(eip.PublicIp) || attr.Addresses[0].PtrRecord != nil {
		t.Fatalf("DescribeAddressesAttribute: %+v %v", attr, err)
	}
	if _, err := c.DescribeAddressesAttribute(ctx, &ec2.DescribeAddressesAttributeInput{AllocationIds: []string{"eipalloc-00000000"}, Attribute: types.AddressAttributeNameDomainName}); code(err) != "InvalidAllocationID.NotFound" {
		t.Fatalf("unknown allocation: %v", err)
	}
}
