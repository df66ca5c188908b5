package cloudmap_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

// TestUpdateNamespaces updates each kind of namespace, then reads back what
// changed: the description, and the SOA TTL of the DNS ones. It also covers
// a successful CreatePublicDnsNamespace.
func TestUpdateNamespaces(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()

	pub, err := c.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String("example.com"), Description: aws.String("public v1"),
		Properties: &types.PublicDnsNamespaceProperties{DnsProperties: &types.PublicDnsPropertiesMutable{SOA: &types.SOA{TTL: aws.Int64(60)}}}})
	if err != nil {
		t.Fatal(err)
	}
	pubID := mustOp(t, c, pub.OperationId).Targets["NAMESPACE"]
	got, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &pubID})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.Namespace; n.Type != types.NamespaceTypeDnsPublic || *n.Name != "example.com" || *n.Description != "public v1" ||
		*n.Properties.HttpProperties.HttpName != "example.com" || !strings.HasPrefix(aws.ToString(n.Properties.DnsProperties.HostedZoneId), "Z") ||
		*n.Properties.DnsProperties.SOA.TTL != 60 {
		t.Fatalf("public namespace = %+v, properties %+v", n, n.Properties.DnsProperties)
	}

	priv, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("upd.local"), Vpc: aws.String("vpc-1"), Description: aws.String("private v1")})
	if err != nil {
		t.Fatal(err)
	}
	privID := mustOp(t, c, priv.OperationId).Targets["NAMESPACE"]
	httpOp, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("upd-http"), Description: aws.String("http v1")})
	if err != nil {
		t.Fatal(err)
	}
	httpID := mustOp(t, c, httpOp.OperationId).Targets["NAMESPACE"]

	cases := []struct {
		name     string
		id       string
		update   func() (*string, error)
		wantDesc string
		wantTTL  int64 // 0: an HTTP namespace, which has no SOA
	}{
		{"http", httpID, func() (*string, error) {
			out, err := c.UpdateHttpNamespace(ctx, &sd.UpdateHttpNamespaceInput{Id: &httpID, Namespace: &types.HttpNamespaceChange{Description: aws.String("http v2")}})
			if err != nil {
				return nil, err
			}
			return out.OperationId, nil
		}, "http v2", 0},
		{"private", privID, func() (*string, error) {
			out, err := c.UpdatePrivateDnsNamespace(ctx, &sd.UpdatePrivateDnsNamespaceInput{Id: &privID, Namespace: &types.PrivateDnsNamespaceChange{
				Description: aws.String("private v2"),
				Properties:  &types.PrivateDnsNamespacePropertiesChange{DnsProperties: &types.PrivateDnsPropertiesMutableChange{SOA: &types.SOAChange{TTL: aws.Int64(300)}}},
			}})
			if err != nil {
				return nil, err
			}
			return out.OperationId, nil
		}, "private v2", 300},
		{"public by ARN", pubID, func() (*string, error) {
			// Every Id input takes an ARN as well (spec §A.2).
			arn := "arn:aws:servicediscovery:us-east-1:000000000000:namespace/" + pubID
			out, err := c.UpdatePublicDnsNamespace(ctx, &sd.UpdatePublicDnsNamespaceInput{Id: &arn, Namespace: &types.PublicDnsNamespaceChange{
				Description: aws.String("public v2"),
				Properties:  &types.PublicDnsNamespacePropertiesChange{DnsProperties: &types.PublicDnsPropertiesMutableChange{SOA: &types.SOAChange{TTL: aws.Int64(120)}}},
			}})
			if err != nil {
				return nil, err
			}
			return out.OperationId, nil
		}, "public v2", 120},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.update()
			if err != nil {
				t.Fatal(err)
			}
			op := mustOp(t, c, id)
			if op.Type != types.OperationTypeUpdateNamespace || op.Targets["NAMESPACE"] != tc.id {
				t.Fatalf("operation %s targets %v, want UPDATE_NAMESPACE of %s", op.Type, op.Targets, tc.id)
			}
			got, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String(tc.id)})
			if err != nil {
				t.Fatal(err)
			}
			if d := aws.ToString(got.Namespace.Description); d != tc.wantDesc {
				t.Errorf("Description = %q, want %q", d, tc.wantDesc)
			}
			dns := got.Namespace.Properties.DnsProperties
			switch {
			case tc.wantTTL == 0 && dns.SOA != nil:
				t.Errorf("HTTP namespace got an SOA: %+v", dns.SOA)
			case tc.wantTTL != 0 && (dns.SOA == nil || *dns.SOA.TTL != tc.wantTTL):
				t.Errorf("SOA = %+v, want TTL %d", dns.SOA, tc.wantTTL)
			}
		})
	}

	// An update that only changes the description leaves the SOA TTL alone.
	out, err := c.UpdatePrivateDnsNamespace(ctx, &sd.UpdatePrivateDnsNamespaceInput{Id: &privID, Namespace: &types.PrivateDnsNamespaceChange{Description: aws.String("private v3")}})
	if err != nil {
		t.Fatal(err)
	}
	mustOp(t, c, out.OperationId)
	got, _ = c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &privID})
	if *got.Namespace.Description != "private v3" || *got.Namespace.Properties.DnsProperties.SOA.TTL != 300 {
		t.Fatalf("after description-only update: %q, SOA %d", *got.Namespace.Description, *got.Namespace.Properties.DnsProperties.SOA.TTL)
	}
}

// TestUpdaterRequestIdIsIdempotent checks spec §A.1: a namespace update
// retried with the same UpdaterRequestId is the same request, even after a
// restart; the id reused for another namespace is a DuplicateRequest.
func TestUpdaterRequestIdIsIdempotent(t *testing.T) {
	env := cloudmaptest.Start(t)
	c := sd.NewFromConfig(env.AWS)
	ctx := context.Background()
	mkNS := func(name string) string {
		out, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return mustOp(t, c, out.OperationId).Targets["NAMESPACE"]
	}
	nsA, nsB := mkNS("idem-a"), mkNS("idem-b")
	update := func(c *sd.Client, ns, reqID, desc string) (*sd.UpdateHttpNamespaceOutput, error) {
		return c.UpdateHttpNamespace(ctx, &sd.UpdateHttpNamespaceInput{Id: &ns, UpdaterRequestId: &reqID, Namespace: &types.HttpNamespaceChange{Description: &desc}})
	}
	updateOps := func(c *sd.Client, ns string) []string {
		t.Helper()
		out, err := c.ListOperations(ctx, &sd.ListOperationsInput{Filters: []types.OperationFilter{
			{Name: types.OperationFilterNameNamespaceId, Values: []string{ns}},
			{Name: types.OperationFilterNameType, Values: []string{string(types.OperationTypeUpdateNamespace)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, op := range out.Operations {
			ids = append(ids, *op.Id)
		}
		sort.Strings(ids)
		return ids
	}

	first, err := update(c, nsA, "upd-1", "one")
	if err != nil {
		t.Fatal(err)
	}
	mustOp(t, c, first.OperationId)
	before := env.Store.Revision()
	again, err := update(c, nsA, "upd-1", "one")
	if err != nil {
		t.Fatal(err)
	}
	if *again.OperationId != *first.OperationId {
		t.Fatalf("retry gave operation %s, want %s", *again.OperationId, *first.OperationId)
	}
	if after := env.Store.Revision(); after != before {
		t.Fatalf("retry wrote to the store (revision %d -> %d)", before, after)
	}
	if ops := updateOps(c, nsA); len(ops) != 1 || ops[0] != *first.OperationId {
		t.Fatalf("UPDATE_NAMESPACE operations of %s = %v, want just %s", nsA, ops, *first.OperationId)
	}

	// The same id for another namespace is another request: refused, and
	// namespace B is untouched.
	_, err = update(c, nsB, "upd-1", "not applied")
	wantCode(t, err, "DuplicateRequest")
	var dup *types.DuplicateRequest
	if !errors.As(err, &dup) || aws.ToString(dup.DuplicateOperationId) != *first.OperationId {
		t.Fatalf("DuplicateRequest = %v, want DuplicateOperationId %s", err, *first.OperationId)
	}
	if after := env.Store.Revision(); after != before {
		t.Fatalf("refused update wrote to the store (revision %d -> %d)", before, after)
	}
	if got, _ := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &nsB}); got.Namespace.Description != nil {
		t.Fatalf("namespace B got description %q from a refused update", *got.Namespace.Description)
	}

	// A new id is a new update.
	second, err := update(c, nsA, "upd-2", "two")
	if err != nil {
		t.Fatal(err)
	}
	if *second.OperationId == *first.OperationId {
		t.Fatal("a new UpdaterRequestId returned the old operation")
	}

	// The ids are state, not memory: they survive a restart.
	env.Stop()
	env2 := cloudmaptest.Start(t, cloudmaptest.InDir(env.Dir))
	c2 := sd.NewFromConfig(env2.AWS)
	before = env2.Store.Revision()
	retried, err := update(c2, nsA, "upd-1", "one")
	if err != nil {
		t.Fatal(err)
	}
	if *retried.OperationId != *first.OperationId {
		t.Fatalf("retry after restart gave operation %s, want %s", *retried.OperationId, *first.OperationId)
	}
	if after := env2.Store.Revision(); after != before {
		t.Fatalf("retry after restart wrote to the store (revision %d -> %d)", before, after)
	}
	want := []string{*first.OperationId, *second.OperationId}
	sort.Strings(want)
	if ops := updateOps(c2, nsA); fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Fatalf("UPDATE_NAMESPACE operations after restart = %v, want %v", ops, want)
	}
	// The retry of upd-1 did not re-apply "one" over "two".
	if got, _ := c2.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &nsA}); aws.ToString(got.Namespace.Description) != "two" {
		t.Fatalf("description after retry = %q, want two", aws.ToString(got.Namespace.Description))
	}
}

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

// TestServiceAttributes adds, merges, deletes and reads service attributes,
// and checks the 30-attribute quota.
func TestServiceAttributes(t *testing.T) {
	c, env := client(t)
	ctx := context.Background()
	svc := httpService(t, c, "attrs")
	read := func() map[string]string {
		t.Helper()
		out, err := c.GetServiceAttributes(ctx, &sd.GetServiceAttributesInput{ServiceId: svc.Service.Id})
		if err != nil {
			t.Fatal(err)
		}
		a := out.ServiceAttributes
		if aws.ToString(a.ServiceArn) != *svc.Service.Arn || aws.ToString(a.ResourceOwner) != "000000000000" {
			t.Fatalf("ServiceAttributes = %+v", a)
		}
		return a.Attributes
	}
	if got := read(); len(got) != 0 {
		t.Fatalf("new service has attributes %v", got)
	}
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	// Updates merge into what is there; the service ARN works as the id.
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Arn, Attributes: map[string]string{"b": "3", "c": "4"}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(read()); got != "map[a:1 b:3 c:4]" {
		t.Fatalf("after two updates: %s", got)
	}
	// Deleting a key that is not there is not an error.
	if _, err := c.DeleteServiceAttributes(ctx, &sd.DeleteServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: []string{"a", "nope"}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(read()); got != "map[b:3 c:4]" {
		t.Fatalf("after delete: %s", got)
	}

	// 2 attributes + 29 new ones is over the quota of 30: refused whole.
	many := map[string]string{}
	for i := 0; i < 29; i++ {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	before := env.Store.Revision()
	_, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: many})
	wantCode(t, err, "ServiceAttributesLimitExceededException")
	if after := env.Store.Revision(); after != before {
		t.Fatalf("refused update moved the store from revision %d to %d", before, after)
	}
	if got := fmt.Sprint(read()); got != "map[b:3 c:4]" {
		t.Fatalf("after refused update: %s", got)
	}
	delete(many, "k00")
	if _, err := c.UpdateServiceAttributes(ctx, &sd.UpdateServiceAttributesInput{ServiceId: svc.Service.Id, Attributes: many}); err != nil {
		t.Fatalf("exactly 30 attributes: %v", err)
	}
	if got := read(); len(got) != 30 {
		t.Fatalf("%d attributes, want 30", len(got))
	}

	if _, err := c.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Service.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetServiceAttributes(ctx, &sd.GetServiceAttributesInput{ServiceId: svc.Service.Id})
	wantCode(t, err, "ServiceNotFound")
}

// TestListServices lists services across two namespaces, filtered by
// NAMESPACE_ID (as an id and as an ARN) and paged.
func TestListServices(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	mkNS := func(name string) string {
		out, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return mustOp(t, c, out.OperationId).Targets["NAMESPACE"]
	}
	nsA, nsB := mkNS("list-a"), mkNS("list-b")
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

// TestNamespaceLimit fills the account's 50 namespaces (spec §A.8): the
// 51st is refused and changes nothing; freeing one makes room again.
func TestNamespaceLimit(t *testing.T) {
	c, env := client(t)
	ctx := context.Background()
	var last string
	for i := 0; i < 50; i++ {
		out, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(fmt.Sprintf("quota-%02d", i))})
		if err != nil {
			t.Fatalf("namespace %d: %v", i, err)
		}
		last = mustOp(t, c, out.OperationId).Targets["NAMESPACE"]
	}
	before := env.Store.Revision()
	_, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("one-too-many.local"), Vpc: aws.String("vpc-1")})
	wantCode(t, err, "ResourceLimitExceeded")
	if after := env.Store.Revision(); after != before {
		t.Fatalf("refused create moved the store from revision %d to %d", before, after)
	}
	list, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || len(list.Namespaces) != 50 || list.NextToken != nil {
		t.Fatalf("ListNamespaces: %d namespaces, %v", len(list.Namespaces), err)
	}

	if _, err := c.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: &last}); err != nil {
		t.Fatal(err)
	}
	out, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("one-too-many.local"), Vpc: aws.String("vpc-1")})
	if err != nil {
		t.Fatalf("create after freeing one: %v", err)
	}
	mustOp(t, c, out.OperationId)
}

// TestNamespaceLimitUnderConcurrency: 60 creates at once, with different
// names, still leave exactly 50 namespaces; the other 10 are refused.
func TestNamespaceLimitUnderConcurrency(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var created, refused atomic.Int32
	for i := range 60 {
		wg.Go(func() {
			_, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(fmt.Sprintf("race-%02d", i))})
			var limit *types.ResourceLimitExceeded
			switch {
			case err == nil:
				created.Add(1)
			case errors.As(err, &limit):
				refused.Add(1)
			default:
				t.Errorf("namespace %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	list, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{})
	if err != nil || created.Load() != 50 || refused.Load() != 10 || len(list.Namespaces) != 50 {
		t.Fatalf("%d created, %d refused, %d listed (%v)", created.Load(), refused.Load(), len(list.Namespaces), err)
	}
}

// TestDiscoverInstancesRandomOrder checks that DiscoverInstances answers in
// random order (spec §A.6), both when it returns every instance and when
// MaxResults makes it pick some: a client that always takes the first
// answer must spread its load.
func TestDiscoverInstancesRandomOrder(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	svc := httpService(t, c, "random")
	const n = 10
	for i := 0; i < n; i++ {
		if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: aws.String(fmt.Sprintf("i-%d", i)), Attributes: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name       string
		maxResults *int32
		want       int
	}{
		{"all instances", nil, n},
		{"MaxResults 3", aws.Int32(3), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			firsts := map[string]int{}
			for i := 0; i < 50; i++ {
				out, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("random"), ServiceName: aws.String("s"), MaxResults: tc.maxResults})
				if err != nil {
					t.Fatal(err)
				}
				got := ids(out.Instances)
				if len(got) != tc.want {
					t.Fatalf("%d instances, want %d", len(got), tc.want)
				}
				for j := 1; j < len(got); j++ {
					if got[j] == got[j-1] {
						t.Fatalf("instance %s returned twice: %v", got[j], got)
					}
				}
				firsts[*out.Instances[0].InstanceId]++
			}
			// With a uniform order the chance that 50 answers all start with
			// the same instance is 10^-49, and that they start with 4 or
			// fewer distinct ones below 10^-17: neither is a flake.
			if len(firsts) < n/2 {
				t.Fatalf("over 50 calls the first instance was only ever one of %v: the order is not random", firsts)
			}
		})
	}
}

// httpService creates an HTTP namespace named ns with one service, "s".
func httpService(t *testing.T, c *sd.Client, ns string) *sd.CreateServiceOutput {
	t.Helper()
	ctx := context.Background()
	op, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String(ns)})
	if err != nil {
		t.Fatal(err)
	}
	nsID := mustOp(t, c, op.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: &nsID})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
