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
	nsA, nsB := httpNamespace(t, c, "idem-a"), httpNamespace(t, c, "idem-b")
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
