package cloudmap_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

// TestUpdateService changes a DNS service's description and record TTLs,
// and checks what AWS documents about what an update keeps and drops.
func TestUpdateService(t *testing.T) {
	c, env := client(t)
	ctx := context.Background()
	op, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("svcupd.local"), Vpc: aws.String("vpc-1")})
	if err != nil {
		t.Fatal(err)
	}
	nsID := mustOp(t, c, op.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("web"), NamespaceId: &nsID, Description: aws.String("v1"),
		DnsConfig: &types.DnsConfig{RoutingPolicy: types.RoutingPolicyMultivalue,
			DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}, {Type: types.RecordTypeSrv, TTL: aws.Int64(10)}}},
		HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	id := svc.Service.Id
	// The deprecated DnsConfig.NamespaceId comes back set, as AWS sends it
	// (the Terraform provider compares it on every refresh).
	//lint:ignore SA1019 reading what AWS still returns is the point
	if got := aws.ToString(svc.Service.DnsConfig.NamespaceId); got != nsID {
		t.Fatalf("DnsConfig.NamespaceId = %q, want %s", got, nsID)
	}

	up, err := c.UpdateService(ctx, &sd.UpdateServiceInput{Id: id, Service: &types.ServiceChange{Description: aws.String("v2"),
		DnsConfig: &types.DnsConfigChange{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(60)}, {Type: types.RecordTypeSrv, TTL: aws.Int64(30)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if op := mustOp(t, c, up.OperationId); op.Type != types.OperationTypeUpdateService || op.Targets["SERVICE"] != *id {
		t.Fatalf("operation %s targets %v, want UPDATE_SERVICE of %s", op.Type, op.Targets, *id)
	}
	got, err := c.GetService(ctx, &sd.GetServiceInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	s := got.Service
	ttls := map[types.RecordType]int64{}
	for _, r := range s.DnsConfig.DnsRecords {
		ttls[r.Type] = *r.TTL
	}
	if aws.ToString(s.Description) != "v2" || fmt.Sprint(ttls) != "map[A:60 SRV:30]" || s.DnsConfig.RoutingPolicy != types.RoutingPolicyMultivalue {
		t.Fatalf("after update: description %q, TTLs %v, routing %s", aws.ToString(s.Description), ttls, s.DnsConfig.RoutingPolicy)
	}
	// Omitting HealthCheckCustomConfig does not delete it (spec §A.4).
	if s.HealthCheckCustomConfig == nil {
		t.Fatal("UpdateService dropped the HealthCheckCustomConfig")
	}

	// In a public namespace, omitting the HealthCheckConfig deletes it.
	pub, err := c.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String("svcupd.example")})
	if err != nil {
		t.Fatal(err)
	}
	pubID := mustOp(t, c, pub.OperationId).Targets["NAMESPACE"]
	checked, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: &pubID,
		DnsConfig:         &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}}},
		HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp, ResourcePath: aws.String("/health")}})
	if err != nil {
		t.Fatal(err)
	}
	up, err = c.UpdateService(ctx, &sd.UpdateServiceInput{Id: checked.Service.Id, Service: &types.ServiceChange{
		DnsConfig: &types.DnsConfigChange{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(20)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	mustOp(t, c, up.OperationId)
	got, _ = c.GetService(ctx, &sd.GetServiceInput{Id: checked.Service.Id})
	if got.Service.HealthCheckConfig != nil || *got.Service.DnsConfig.DnsRecords[0].TTL != 20 {
		t.Fatalf("after update without HealthCheckConfig: %+v, TTL %d", got.Service.HealthCheckConfig, *got.Service.DnsConfig.DnsRecords[0].TTL)
	}

	// Services in an HTTP namespace cannot be updated (spec §A.4); the
	// refusal changes nothing.
	httpOp, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("svcupd-http")})
	if err != nil {
		t.Fatal(err)
	}
	httpNS := mustOp(t, c, httpOp.OperationId).Targets["NAMESPACE"]
	plain, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("plain"), NamespaceId: &httpNS, Description: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	before := env.Store.Revision()
	_, err = c.UpdateService(ctx, &sd.UpdateServiceInput{Id: plain.Service.Id, Service: &types.ServiceChange{Description: aws.String("v2")}})
	wantCode(t, err, "InvalidInput")
	if after := env.Store.Revision(); after != before {
		t.Fatalf("refused UpdateService moved the store from revision %d to %d", before, after)
	}
	got, _ = c.GetService(ctx, &sd.GetServiceInput{Id: plain.Service.Id})
	if aws.ToString(got.Service.Description) != "v1" {
		t.Fatalf("refused UpdateService changed the description to %q", aws.ToString(got.Service.Description))
	}
}

// TestListServices lists services across two namespaces, filtered by
// NAMESPACE_ID (as an id and as an ARN) and paged.
func TestListServices(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	nsA, nsB := httpNamespace(t, c, "list-a"), httpNamespace(t, c, "list-b")
	svcIDs := map[string]string{}
	for _, s := range []struct{ ns, name string }{{nsA, "one"}, {nsA, "two"}, {nsB, "three"}} {
		out, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(s.name), NamespaceId: aws.String(s.ns), Description: aws.String("d-" + s.name)})
		if err != nil {
			t.Fatal(err)
		}
		svcIDs[s.name] = *out.Service.Id
	}
	if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: aws.String(svcIDs["two"]), InstanceId: aws.String("i-1"), Attributes: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}

	list := func(filters []types.ServiceFilter) []types.ServiceSummary {
		t.Helper()
		var all []types.ServiceSummary
		p := sd.NewListServicesPaginator(c, &sd.ListServicesInput{Filters: filters, MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Services) > 1 {
				t.Fatalf("page of %d services with MaxResults 1", len(out.Services))
			}
			all = append(all, out.Services...)
		}
		return all
	}
	names := func(ss []types.ServiceSummary) string {
		var n []string
		for _, s := range ss {
			n = append(n, *s.Name)
		}
		sort.Strings(n)
		return fmt.Sprint(n)
	}
	nsFilter := func(v string) []types.ServiceFilter {
		return []types.ServiceFilter{{Name: types.ServiceFilterNameNamespaceId, Values: []string{v}, Condition: types.FilterConditionEq}}
	}
	cases := []struct {
		name    string
		filters []types.ServiceFilter
		want    string
	}{
		{"all", nil, "[one three two]"},
		{"namespace A", nsFilter(nsA), "[one two]"},
		{"namespace B by ARN", nsFilter("arn:aws:servicediscovery:us-east-1:000000000000:namespace/" + nsB), "[three]"},
		{"unknown namespace", nsFilter("ns-doesnotexist0000"), "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(list(tc.filters)); got != tc.want {
				t.Fatalf("ListServices = %s, want %s", got, tc.want)
			}
		})
	}
	for _, s := range list(nsFilter(nsA)) {
		wantCount := map[string]int32{"one": 0, "two": 1}[*s.Name]
		if *s.Id != svcIDs[*s.Name] || aws.ToString(s.Description) != "d-"+*s.Name || aws.ToInt32(s.InstanceCount) != wantCount || s.Type != types.ServiceTypeHttp {
			t.Errorf("summary of %s = id %s, description %q, InstanceCount %d, type %s", *s.Name, *s.Id, aws.ToString(s.Description), aws.ToInt32(s.InstanceCount), s.Type)
		}
	}
}
