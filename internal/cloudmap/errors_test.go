package cloudmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

// TestErrors drives every declared error case and checks that a rejected
// request leaves the state exactly as it was.
func TestErrors(t *testing.T) {
	c, env := client(t)
	ctx := context.Background()
	nsOp, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("err.local"), Vpc: aws.String("vpc-1"), CreatorRequestId: aws.String("req-ns-1")})
	if err != nil {
		t.Fatal(err)
	}
	nsID := mustOp(t, c, nsOp.OperationId).Targets["NAMESPACE"]
	httpOp, _ := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("err-http")})
	httpNS := mustOp(t, c, httpOp.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("a"), NamespaceId: &nsID, CreatorRequestId: aws.String("req-svc-1"),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
	if err != nil {
		t.Fatal(err)
	}
	srvID := *svc.Service.Id
	srvSRV, _ := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("srv"), NamespaceId: &nsID,
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeSrv, TTL: aws.Int64(5)}}}})
	plain, _ := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("plain"), NamespaceId: &httpNS})
	if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &srvID, InstanceId: aws.String("i-1"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.1.1.1"}}); err != nil {
		t.Fatal(err)
	}

	fx := errorFixture{nsID: nsID, httpNS: httpNS, srvID: srvID, svc: svc, srvSRV: srvSRV, plain: plain}
	for _, tc := range errorCases(ctx, c, fx) {
		t.Run(tc.name, func(t *testing.T) {
			before := env.Store.Revision()
			wantCode(t, tc.call(), tc.code)
			if after := env.Store.Revision(); after != before {
				t.Fatalf("rejected request moved the store from revision %d to %d", before, after)
			}
		})
	}

	// Idempotency: the same CreatorRequestId is the same request.
	again, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("err.local"), Vpc: aws.String("vpc-1"), CreatorRequestId: aws.String("req-ns-1")})
	if err != nil || *again.OperationId != *nsOp.OperationId {
		t.Fatalf("retried CreatePrivateDnsNamespace = %v, %v; want operation %s", again, err, *nsOp.OperationId)
	}
	svcAgain, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("a"), NamespaceId: &nsID, CreatorRequestId: aws.String("req-svc-1"),
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
	if err != nil || *svcAgain.Service.Id != srvID {
		t.Fatalf("retried CreateService = %v, %v", svcAgain, err)
	}
	r1, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &srvID, InstanceId: aws.String("i-9"), CreatorRequestId: aws.String("req-i-9"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.9.9.9"}})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &srvID, InstanceId: aws.String("i-9"), CreatorRequestId: aws.String("req-i-9"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.9.9.9"}})
	if err != nil || *r1.OperationId != *r2.OperationId {
		t.Fatalf("retried RegisterInstance gave operation %v (%v), want %s", r2, err, *r1.OperationId)
	}
	_, err = c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &srvID, InstanceId: aws.String("i-10"), CreatorRequestId: aws.String("req-i-9"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.9.9.10"}})
	wantCode(t, err, "DuplicateRequest")
}

// errorFixture is what TestErrors' bad calls run against: the private DNS
// namespace nsID with the A service svc (srvID, holding instance i-1) and
// the SRV service srvSRV, and the HTTP namespace httpNS with the service
// plain.
type errorFixture struct {
	nsID, httpNS, srvID string
	svc, srvSRV, plain  *sd.CreateServiceOutput
}

type errorCase struct {
	name string
	call func() error
	code string
}

// errorCases are TestErrors' table: one bad call per case and the code it
// must fail with.
func errorCases(ctx context.Context, c *sd.Client, fx errorFixture) []errorCase {
	cases := namespaceErrorCases(ctx, c, fx)
	cases = append(cases, serviceErrorCases(ctx, c, fx)...)
	return append(cases, instanceErrorCases(ctx, c, fx)...)
}

// namespaceErrorCases: creating, reading and deleting namespaces.
func namespaceErrorCases(ctx context.Context, c *sd.Client, fx errorFixture) []errorCase {
	long := strings.Repeat("x", 1025)
	ttl := func(v int64) *int64 { return &v }
	return []errorCase{
		{"namespace exists", func() error {
			_, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("err.local"), Vpc: aws.String("vpc-1")})
			return err
		}, "NamespaceAlreadyExists"},
		{"http namespace name arn:", func() error {
			_, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("arn:nope")})
			return err
		}, "InvalidInput"},
		{"public namespace bad name", func() error {
			_, err := c.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String("bad_name!.com")})
			return err
		}, "InvalidInput"},
		{"public namespace of one label", func() error {
			_, err := c.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String("localhost")})
			return err
		}, "InvalidInput"},
		{"private namespace without vpc", func() error {
			_, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("novpc.local"), Vpc: aws.String("")})
			return err
		}, "InvalidInput"},
		{"SOA TTL out of range", func() error {
			_, err := c.CreatePublicDnsNamespace(ctx, &sd.CreatePublicDnsNamespaceInput{Name: aws.String("ok.example"),
				Properties: &types.PublicDnsNamespaceProperties{DnsProperties: &types.PublicDnsPropertiesMutable{SOA: &types.SOA{TTL: ttl(-1)}}}})
			return err
		}, "InvalidInput"},
		{"description too long", func() error {
			_, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("d"), Description: &long})
			return err
		}, "InvalidInput"},
		{"get unknown namespace", func() error {
			_, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String("ns-doesnotexist0000")})
			return err
		}, "NamespaceNotFound"},
		{"bad namespace ARN", func() error {
			_, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: aws.String("arn:aws:ecs:us-east-1:000000000000:cluster/x")})
			return err
		}, "InvalidInput"},
		{"delete namespace in use", func() error {
			_, err := c.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: &fx.nsID})
			return err
		}, "ResourceInUse"},
	}
}

// serviceErrorCases: creating, reading and updating services, and updating
// namespaces.
func serviceErrorCases(ctx context.Context, c *sd.Client, fx errorFixture) []errorCase {
	ttl := func(v int64) *int64 { return &v }
	return []errorCase{
		{"service in unknown namespace", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("x"), NamespaceId: aws.String("ns-doesnotexist0000")})
			return err
		}, "NamespaceNotFound"},
		{"service exists", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("A"), NamespaceId: &fx.nsID,
				DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
			return err
		}, "ServiceAlreadyExists"},
		{"bad service name", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("-bad-"), NamespaceId: &fx.nsID})
			return err
		}, "InvalidInput"},
		{"negative TTL", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("ttl"), NamespaceId: &fx.nsID,
				DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: ttl(-5)}}}})
			return err
		}, "InvalidInput"},
		{"CNAME with MULTIVALUE", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("cn"), NamespaceId: &fx.nsID,
				DnsConfig: &types.DnsConfig{RoutingPolicy: types.RoutingPolicyMultivalue, DnsRecords: []types.DnsRecord{{Type: types.RecordTypeCname, TTL: aws.Int64(5)}}}})
			return err
		}, "InvalidInput"},
		{"CNAME with A", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("cn"), NamespaceId: &fx.nsID,
				DnsConfig: &types.DnsConfig{RoutingPolicy: types.RoutingPolicyWeighted, DnsRecords: []types.DnsRecord{{Type: types.RecordTypeCname, TTL: aws.Int64(5)}, {Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
			return err
		}, "InvalidInput"},
		{"DnsConfig in HTTP namespace", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("d"), NamespaceId: &fx.httpNS,
				DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
			return err
		}, "InvalidInput"},
		{"HealthCheckConfig in private namespace", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("h"), NamespaceId: &fx.nsID,
				HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}})
			return err
		}, "InvalidInput"},
		{"both health configs", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("h"), NamespaceId: &fx.httpNS,
				HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeHttp}, HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
			return err
		}, "InvalidInput"},
		{"TCP check with path", func() error {
			_, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("h"), NamespaceId: &fx.httpNS,
				HealthCheckConfig: &types.HealthCheckConfig{Type: types.HealthCheckTypeTcp, ResourcePath: aws.String("/x")}})
			return err
		}, "InvalidInput"},
		{"get unknown service", func() error {
			_, err := c.GetService(ctx, &sd.GetServiceInput{Id: aws.String("srv-doesnotexist000")})
			return err
		}, "ServiceNotFound"},
		{"delete service in use", func() error {
			_, err := c.DeleteService(ctx, &sd.DeleteServiceInput{Id: &fx.srvID})
			return err
		}, "ResourceInUse"},
		{"update service changes record type", func() error {
			_, err := c.UpdateService(ctx, &sd.UpdateServiceInput{Id: &fx.srvID, Service: &types.ServiceChange{
				DnsConfig: &types.DnsConfigChange{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeAaaa, TTL: aws.Int64(5)}}}}})
			return err
		}, "InvalidInput"},
		{"update service in HTTP namespace", func() error {
			_, err := c.UpdateService(ctx, &sd.UpdateServiceInput{Id: fx.plain.Service.Id, Service: &types.ServiceChange{Description: aws.String("x")}})
			return err
		}, "InvalidInput"},
		{"update unknown namespace", func() error {
			_, err := c.UpdateHttpNamespace(ctx, &sd.UpdateHttpNamespaceInput{Id: aws.String("ns-doesnotexist0000"), Namespace: &types.HttpNamespaceChange{Description: aws.String("x")}})
			return err
		}, "NamespaceNotFound"},
		{"update namespace of another type", func() error {
			_, err := c.UpdatePublicDnsNamespace(ctx, &sd.UpdatePublicDnsNamespaceInput{Id: &fx.nsID, Namespace: &types.PublicDnsNamespaceChange{Description: aws.String("x")}})
			return err
		}, "InvalidInput"},
		{"UpdaterRequestId too long", func() error {
			_, err := c.UpdateHttpNamespace(ctx, &sd.UpdateHttpNamespaceInput{Id: &fx.httpNS, UpdaterRequestId: aws.String(strings.Repeat("u", 65)), Namespace: &types.HttpNamespaceChange{Description: aws.String("x")}})
			return err
		}, "InvalidInput"},
	}
}

// instanceErrorCases: registering instances and their health, discovery,
// operations, listing and tags.
func instanceErrorCases(ctx context.Context, c *sd.Client, fx errorFixture) []errorCase {
	long := strings.Repeat("x", 1025)
	manyAttrs := map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1"}
	for i := 0; i < 31; i++ {
		manyAttrs["k"+strings.Repeat("a", i+1)] = "v"
	}
	return []errorCase{
		{"register in unknown service", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: aws.String("srv-doesnotexist000"), InstanceId: aws.String("i"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1"}})
			return err
		}, "ServiceNotFound"},
		{"bad instance id", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("bad id!"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1"}})
			return err
		}, "InvalidInput"},
		{"A record without IPv4", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: map[string]string{"color": "red"}})
			return err
		}, "InvalidInput"},
		{"bad IPv4", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "300.1.1.1"}})
			return err
		}, "InvalidInput"},
		{"SRV without port", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: fx.srvSRV.Service.Id, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.2"}})
			return err
		}, "InvalidInput"},
		{"bad port", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: fx.srvSRV.Service.Id, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.2", "AWS_INSTANCE_PORT": "70000"}})
			return err
		}, "InvalidInput"},
		{"too many custom attributes", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: manyAttrs})
			return err
		}, "InvalidInput"},
		{"attribute value too long", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1", "k": long}})
			return err
		}, "InvalidInput"},
		{"init health without custom config", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INIT_HEALTH_STATUS": "HEALTHY"}})
			return err
		}, "InvalidInput"},
		{"EC2 id outside HTTP namespace", func() error {
			_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-2"), Attributes: map[string]string{"AWS_EC2_INSTANCE_ID": "i-0abc"}})
			return err
		}, "InvalidInput"},
		{"deregister unknown instance", func() error {
			_, err := c.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: &fx.srvID, InstanceId: aws.String("nope")})
			return err
		}, "InstanceNotFound"},
		{"custom health on service without it", func() error {
			_, err := c.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: &fx.srvID, InstanceId: aws.String("i-1"), Status: types.CustomHealthStatusHealthy})
			return err
		}, "CustomHealthNotFound"},
		{"health of unknown instance", func() error {
			_, err := c.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: &fx.srvID, Instances: []string{"nope"}})
			return err
		}, "InstanceNotFound"},
		{"discover unknown namespace", func() error {
			_, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("nope.local"), ServiceName: aws.String("a")})
			return err
		}, "NamespaceNotFound"},
		{"discover unknown service", func() error {
			_, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("err.local"), ServiceName: aws.String("nope")})
			return err
		}, "ServiceNotFound"},
		{"discover MaxResults too large", func() error {
			_, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("err.local"), ServiceName: aws.String("a"), MaxResults: aws.Int32(1001)})
			return err
		}, "InvalidInput"},
		{"unknown operation", func() error {
			_, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: aws.String("nope")})
			return err
		}, "OperationNotFound"},
		{"bad list filter", func() error {
			_, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: []types.NamespaceFilter{{Name: "COLOR", Values: []string{"x"}}}})
			return err
		}, "InvalidInput"},
		{"bad NextToken", func() error {
			_, err := c.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: &fx.srvID, NextToken: aws.String("!!!")})
			return err
		}, "InvalidInput"},
		{"tag unknown resource", func() error {
			_, err := c.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String("arn:aws:servicediscovery:us-east-1:000000000000:service/srv-doesnotexist000"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFoundException"},
		{"too many tags", func() error {
			var tags []types.Tag
			for i := 0; i < 51; i++ {
				tags = append(tags, types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")})
			}
			_, err := c.TagResource(ctx, &sd.TagResourceInput{ResourceARN: fx.svc.Service.Arn, Tags: tags})
			return err
		}, "TooManyTagsException"},
		{"custom health on HTTP service", func() error {
			_, err := c.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: fx.plain.Service.Id, InstanceId: aws.String("x"), Status: types.CustomHealthStatusHealthy})
			return err
		}, "CustomHealthNotFound"},
	}
}
