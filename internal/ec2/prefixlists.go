package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/portolan/portolan/internal/awsapi"
)

// The AWS-managed prefix lists: one per service that has Gateway
// endpoints (S3, DynamoDB), named for the service, as a Gateway
// endpoint's prefix_list_id and security group rules refer to them. The
// Terraform provider reads them for aws_vpc_endpoint (Gateway) and for
// rules that name a prefix list. Portolan serves neither service, so the
// lists hold no addresses: AWS's real S3 and DynamoDB ranges would route
// nowhere here.

// PrefixList is a prefix list as DescribePrefixLists shows it.
type PrefixList struct {
	PrefixListId   string
	PrefixListName string
	Cidrs          []string `ec2:"cidrSet"`
}

// ManagedPrefixList is one as DescribeManagedPrefixLists shows it.
type ManagedPrefixList struct {
	PrefixListId   string
	AddressFamily  string
	State          string
	PrefixListArn  string
	PrefixListName string
	MaxEntries     int
	Version        int
	OwnerId        string
	Tags           []Tag `ec2:"tagSet"`
}

type DescribePrefixListsInput struct {
	DryRun        *bool
	PrefixListIds []string `ec2:"PrefixListId"`
	Filters       []Filter `ec2:"Filter"`
	MaxResults    *int
	NextToken     *string
}

type DescribePrefixListsOutput struct {
	PrefixLists []PrefixList `ec2:"prefixListSet"`
	NextToken   *string
}

type DescribeManagedPrefixListsInput struct {
	DryRun        *bool
	PrefixListIds []string `ec2:"PrefixListId"`
	Filters       []Filter `ec2:"Filter"`
	MaxResults    *int
	NextToken     *string
}

type DescribeManagedPrefixListsOutput struct {
	PrefixLists []ManagedPrefixList `ec2:"prefixListSet"`
	NextToken   *string
}

type GetManagedPrefixListEntriesInput struct {
	DryRun        *bool
	PrefixListId  *string
	TargetVersion *int
	MaxResults    *int
	NextToken     *string
}

type PrefixListEntry struct {
	Cidr        string
	Description string
}

type GetManagedPrefixListEntriesOutput struct {
	Entries   []PrefixListEntry `ec2:"entrySet"`
	NextToken *string
}

// managedPrefixLists are the region's AWS-managed lists; their ids are
// stable, derived from the name (AWS's differ per region too).
func (c *Control) managedPrefixLists() []ManagedPrefixList {
	var out []ManagedPrefixList
	for _, s := range endpointServices {
		if !slices.Contains(s.types, TypeGateway) {
			continue
		}
		name := serviceName(c.cfg.Region, s.suffix)
		sum := sha256.Sum256([]byte(name))
		id := "pl-" + hex.EncodeToString(sum[:4])
		out = append(out, ManagedPrefixList{
			PrefixListId: id, AddressFamily: "IPv4", State: "create-complete", PrefixListName: name, MaxEntries: 0, Version: 1, OwnerId: "AWS",
			PrefixListArn: awsapi.ARN("ec2", c.cfg.Region, "aws", "prefix-list/"+id), Tags: []Tag{},
		})
	}
	return out
}

var prefixListFilters = []string{"prefix-list-id", "prefix-list-name", "owner-id"}

// prefixLists selects the managed lists by id and filters; an unknown id
// is an error, as on AWS.
func (c *Control) prefixLists(dryRun *bool, ids []string, filters []Filter) ([]ManagedPrefixList, error) {
	if isTrue(dryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(filters, prefixListFilters)
	if err != nil {
		return nil, err
	}
	all := c.managedPrefixLists()
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(p ManagedPrefixList) bool { return p.PrefixListId == id }) {
			return nil, ErrPrefixListNotFound.Newf("The prefix list ID '%s' does not exist", id)
		}
	}
	var out []ManagedPrefixList
	for _, p := range all {
		if len(ids) > 0 && !slices.Contains(ids, p.PrefixListId) {
			continue
		}
		if match(func(name string) []string {
			return map[string][]string{"prefix-list-id": {p.PrefixListId}, "prefix-list-name": {p.PrefixListName}, "owner-id": {p.OwnerId}}[name]
		}) {
			out = append(out, p)
		}
	}
	return out, nil
}

// DescribePrefixLists lists the AWS-managed prefix lists of Gateway
// endpoint services.
func (c *Control) DescribePrefixLists(ctx context.Context, in *DescribePrefixListsInput) (*DescribePrefixListsOutput, error) {
	lists, err := c.prefixLists(in.DryRun, in.PrefixListIds, in.Filters)
	if err != nil {
		return nil, err
	}
	out := &DescribePrefixListsOutput{PrefixLists: []PrefixList{}}
	for _, p := range lists {
		out.PrefixLists = append(out.PrefixLists, PrefixList{PrefixListId: p.PrefixListId, PrefixListName: p.PrefixListName, Cidrs: []string{}})
	}
	return out, nil
}

// DescribeManagedPrefixLists lists the same lists with their metadata.
// Customer-managed lists (CreateManagedPrefixList) are not emulated.
func (c *Control) DescribeManagedPrefixLists(ctx context.Context, in *DescribeManagedPrefixListsInput) (*DescribeManagedPrefixListsOutput, error) {
	lists, err := c.prefixLists(in.DryRun, in.PrefixListIds, in.Filters)
	if err != nil {
		return nil, err
	}
	return &DescribeManagedPrefixListsOutput{PrefixLists: append([]ManagedPrefixList{}, lists...)}, nil
}

// GetManagedPrefixListEntries answers a managed list's entries: none.
func (c *Control) GetManagedPrefixListEntries(ctx context.Context, in *GetManagedPrefixListEntriesInput) (*GetManagedPrefixListEntriesOutput, error) {
	if in.PrefixListId == nil {
		return nil, missing("PrefixListId")
	}
	lists, err := c.prefixLists(in.DryRun, []string{*in.PrefixListId}, nil)
	if err != nil {
		return nil, err
	}
	if v := in.TargetVersion; v != nil && *v != lists[0].Version {
		return nil, invalidValue("The prefix list %s has no version %s.", *in.PrefixListId, strconv.Itoa(*v))
	}
	return &GetManagedPrefixListEntriesOutput{Entries: []PrefixListEntry{}}, nil
}
