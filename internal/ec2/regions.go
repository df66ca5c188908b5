package ec2

import (
	"context"
	"slices"
)

// Region is a region as DescribeRegions shows it.
type Region struct {
	RegionName     string
	RegionEndpoint string
	OptInStatus    string
}

type DescribeRegionsInput struct {
	DryRun      *bool
	RegionNames []string `ec2:"RegionName"`
	AllRegions  *bool
	Filters     []Filter `ec2:"Filter"`
}

type DescribeRegionsOutput struct {
	Regions []Region `ec2:"regionInfo"`
}

var regionFilters = []string{"endpoint", "region-name", "opt-in-status"}

// DescribeRegions answers the one region this server is: the others are
// not here to be called.
func (c *Control) DescribeRegions(ctx context.Context, in *DescribeRegionsInput) (*DescribeRegionsOutput, error) {
	if isTrue(in.DryRun) {
		return nil, errDryRun
	}
	match, err := compileFilters(in.Filters, regionFilters)
	if err != nil {
		return nil, err
	}
	here := Region{RegionName: c.cfg.Region, RegionEndpoint: "ec2." + c.cfg.Region + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
	for _, n := range in.RegionNames {
		if n != here.RegionName {
			return nil, invalidValue("Invalid region: %s", n)
		}
	}
	out := &DescribeRegionsOutput{Regions: []Region{}}
	if (len(in.RegionNames) == 0 || slices.Contains(in.RegionNames, here.RegionName)) && match(func(name string) []string {
		return map[string][]string{"endpoint": {here.RegionEndpoint}, "region-name": {here.RegionName}, "opt-in-status": {here.OptInStatus}}[name]
	}) {
		out.Regions = append(out.Regions, here)
	}
	return out, nil
}
