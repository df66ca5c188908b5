package cloudmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

func TestLifecycle(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()

	httpNS, dnsNS := createLifecycleNamespaces(t, c)
	svc := createLifecycleServices(t, c, dnsNS, httpNS)
	registerLifecycleInstances(t, c, svc)

	discover := func(h types.HealthStatusFilter, query map[string]string) []string {
		t.Helper()
		out, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a"), HealthStatus: h, QueryParameters: query})
		if err != nil {
			t.Fatalf("DiscoverInstances %s: %v", h, err)
		}
		return ids(out.Instances)
	}
	cases := []struct {
		health types.HealthStatusFilter
		query  map[string]string
		want   string
	}{
		{types.HealthStatusFilterHealthy, nil, "[task-1 task-2]"},
		{types.HealthStatusFilterUnhealthy, nil, "[task-3]"},
		{types.HealthStatusFilterAll, nil, "[task-1 task-2 task-3]"},
		{types.HealthStatusFilterHealthyOrElseAll, nil, "[task-1 task-2]"},
		{"", map[string]string{"stage": "blue"}, "[task-1 task-3]"},
		{types.HealthStatusFilterHealthy, map[string]string{"stage": "blue"}, "[task-1]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(discover(tc.health, tc.query)); got != tc.want {
			t.Errorf("discover %s %v = %s, want %s", tc.health, tc.query, got, tc.want)
		}
	}

	rev2 := checkCustomHealth(t, c, svc, discover)

	// MaxResults and optional parameters.
	few, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a"), MaxResults: aws.Int32(2)})
	if err != nil || len(few.Instances) != 2 {
		t.Fatalf("MaxResults 2: %d instances, %v", len(few.Instances), err)
	}
	opt, _ := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a"), OptionalParameters: map[string]string{"stage": "green"}})
	if fmt.Sprint(ids(opt.Instances)) != "[task-2]" {
		t.Errorf("optional stage=green = %v", ids(opt.Instances))
	}
	opt, _ = c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a"), OptionalParameters: map[string]string{"stage": "red"}})
	if len(opt.Instances) != 3 {
		t.Errorf("optional parameters matching nothing must be ignored, got %v", ids(opt.Instances))
	}

	// Deregister moves the revision; the instance is gone everywhere.
	dereg, err := c.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-3")})
	if err != nil {
		t.Fatal(err)
	}
	mustOp(t, c, dereg.OperationId)
	rev3, _ := c.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a")})
	if *rev3.InstancesRevision <= *rev2.InstancesRevision {
		t.Errorf("deregister did not move InstancesRevision")
	}
	if got := fmt.Sprint(discover(types.HealthStatusFilterAll, nil)); got != "[task-1 task-2]" {
		t.Errorf("after deregister: %s", got)
	}
	_, err = c.GetInstance(ctx, &sd.GetInstanceInput{ServiceId: svc.Id, InstanceId: aws.String("task-3")})
	wantCode(t, err, "InstanceNotFound")

	// ListOperations filters by service.
	ops, err := c.ListOperations(ctx, &sd.ListOperationsInput{Filters: []types.OperationFilter{
		{Name: types.OperationFilterNameServiceId, Values: []string{*svc.Id}},
		{Name: types.OperationFilterNameType, Values: []string{"DEREGISTER_INSTANCE"}, Condition: types.FilterConditionEq},
	}})
	if err != nil || len(ops.Operations) != 1 || *ops.Operations[0].Id != *dereg.OperationId {
		t.Fatalf("ListOperations = %+v, %v", ops, err)
	}

	// Tags.
	tags, err := c.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: svc.Arn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
	if _, err := c.UntagResource(ctx, &sd.UntagResourceInput{ResourceARN: svc.Arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}

	deleteLifecycle(t, c, svc, dnsNS)
}

// createLifecycleNamespaces creates two namespaces, one of each kind that
// matters for the reference stack, and returns their IDs.
func createLifecycleNamespaces(t *testing.T, c *sd.Client) (httpNS, dnsNS string) {
	t.Helper()
	ctx := context.Background()
	httpOp, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("backend"), Description: aws.String("api only")})
	if err != nil {
		t.Fatal(err)
	}
	httpNS = mustOp(t, c, httpOp.OperationId).Targets["NAMESPACE"]
	dnsOp, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("app.local"), Vpc: aws.String("vpc-123")})
	if err != nil {
		t.Fatal(err)
	}
	op := mustOp(t, c, dnsOp.OperationId)
	if op.Type != types.OperationTypeCreateNamespace {
		t.Fatalf("operation type %s", op.Type)
	}
	dnsNS = op.Targets["NAMESPACE"]

	ns, err := c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &dnsNS})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Namespace.Type != types.NamespaceTypeDnsPrivate || *ns.Namespace.Properties.HttpProperties.HttpName != "app.local" ||
		ns.Namespace.Properties.DnsProperties.HostedZoneId == nil || *ns.Namespace.Properties.DnsProperties.SOA.TTL != 15 {
		t.Fatalf("namespace = %+v", ns.Namespace)
	}
	list, err := c.ListNamespaces(ctx, &sd.ListNamespacesInput{Filters: []types.NamespaceFilter{{Name: types.NamespaceFilterNameType, Values: []string{"HTTP"}}}})
	if err != nil || len(list.Namespaces) != 1 || *list.Namespaces[0].Id != httpNS {
		t.Fatalf("ListNamespaces TYPE=HTTP: %+v %v", list, err)
	}
	return httpNS, dnsNS
}

// createLifecycleServices creates the ECS reference scenario's service in
// dnsNS (A+SRV, MULTIVALUE, custom health), which it returns, and an HTTP
// service in httpNS.
func createLifecycleServices(t *testing.T, c *sd.Client, dnsNS, httpNS string) *types.Service {
	t.Helper()
	ctx := context.Background()
	svcOut, err := c.CreateService(ctx, &sd.CreateServiceInput{
		Name:        aws.String("myservice-a"),
		NamespaceId: &dnsNS,
		DnsConfig: &types.DnsConfig{
			RoutingPolicy: types.RoutingPolicyMultivalue,
			DnsRecords:    []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(10)}, {Type: types.RecordTypeSrv, TTL: aws.Int64(10)}},
		},
		HealthCheckCustomConfig: &types.HealthCheckCustomConfig{},
		Tags:                    []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := svcOut.Service
	//lint:ignore SA1019 AWS reports the deprecated FailureThreshold as 1; so must we.
	if svc.Type != types.ServiceTypeDnsHttp || *svc.HealthCheckCustomConfig.FailureThreshold != 1 {
		t.Fatalf("service = %+v", svc)
	}
	apiSvc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("worker"), NamespaceId: &httpNS})
	if err != nil || apiSvc.Service.Type != types.ServiceTypeHttp {
		t.Fatalf("http service: %+v %v", apiSvc, err)
	}
	return svc
}

// registerLifecycleInstances registers three instances with svc, one
// unhealthy from the start.
func registerLifecycleInstances(t *testing.T, c *sd.Client, svc *types.Service) {
	t.Helper()
	ctx := context.Background()
	for i, init := range []string{"", "", "UNHEALTHY"} {
		attrs := map[string]string{"AWS_INSTANCE_IPV4": fmt.Sprintf("10.0.0.%d", i+1), "AWS_INSTANCE_PORT": "8080", "stage": "blue"}
		if i == 1 {
			attrs["stage"] = "green"
		}
		if init != "" {
			attrs["AWS_INIT_HEALTH_STATUS"] = init
		}
		out, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String(fmt.Sprintf("task-%d", i+1)), Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		if op := mustOp(t, c, out.OperationId); op.Targets["INSTANCE"] != fmt.Sprintf("task-%d", i+1) || op.Targets["SERVICE"] != *svc.Id {
			t.Fatalf("register op targets %v", op.Targets)
		}
	}
	got, _ := c.GetService(ctx, &sd.GetServiceInput{Id: svc.Id})
	if got.Service.InstanceCount == nil || *got.Service.InstanceCount != 3 {
		t.Fatalf("InstanceCount = %v", got.Service.InstanceCount)
	}
}

// checkCustomHealth: custom health updates move instances between the
// filters, and do not move the instances revision, which it returns.
func checkCustomHealth(t *testing.T, c *sd.Client, svc *types.Service, discover func(types.HealthStatusFilter, map[string]string) []string) *sd.DiscoverInstancesRevisionOutput {
	t.Helper()
	ctx := context.Background()
	rev1, _ := c.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a")})
	for _, id := range []string{"task-1", "task-2"} {
		if _, err := c.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Id, InstanceId: aws.String(id), Status: types.CustomHealthStatusUnhealthy}); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(discover(types.HealthStatusFilterHealthyOrElseAll, nil)); got != "[task-1 task-2 task-3]" {
		t.Errorf("HEALTHY_OR_ELSE_ALL with none healthy = %s, want all", got)
	}
	if got := fmt.Sprint(discover(types.HealthStatusFilterHealthy, nil)); got != "[]" {
		t.Errorf("HEALTHY with none healthy = %s", got)
	}
	status, err := c.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Id})
	if err != nil || fmt.Sprint(status.Status) != "map[task-1:UNHEALTHY task-2:UNHEALTHY task-3:UNHEALTHY]" {
		t.Fatalf("GetInstancesHealthStatus = %v, %v", status.Status, err)
	}
	rev2, _ := c.DiscoverInstancesRevision(ctx, &sd.DiscoverInstancesRevisionInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a")})
	if *rev1.InstancesRevision != *rev2.InstancesRevision {
		t.Errorf("health change moved InstancesRevision %d -> %d", *rev1.InstancesRevision, *rev2.InstancesRevision)
	}
	if _, err := c.UpdateInstanceCustomHealthStatus(ctx, &sd.UpdateInstanceCustomHealthStatusInput{ServiceId: svc.Id, InstanceId: aws.String("task-2"), Status: types.CustomHealthStatusHealthy}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(discover(types.HealthStatusFilterHealthy, nil)); got != "[task-2]" {
		t.Errorf("after task-2 HEALTHY: %s", got)
	}
	return rev2
}

// deleteLifecycle: deleting what is in use fails and changes nothing; then
// it tears down svc and the namespace dnsNS.
func deleteLifecycle(t *testing.T, c *sd.Client, svc *types.Service, dnsNS string) {
	t.Helper()
	ctx := context.Background()
	_, err := c.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Id})
	wantCode(t, err, "ResourceInUse")
	_, err = c.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: &dnsNS})
	wantCode(t, err, "ResourceInUse")
	for _, id := range []string{"task-1", "task-2"} {
		if _, err := c.DeregisterInstance(ctx, &sd.DeregisterInstanceInput{ServiceId: svc.Id, InstanceId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteService(ctx, &sd.DeleteServiceInput{Id: svc.Id}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteNamespace(ctx, &sd.DeleteNamespaceInput{Id: &dnsNS})
	if err != nil {
		t.Fatal(err)
	}
	mustOp(t, c, del.OperationId)
	_, err = c.GetNamespace(ctx, &sd.GetNamespaceInput{Id: &dnsNS})
	wantCode(t, err, "NamespaceNotFound")
	_, err = c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("app.local"), ServiceName: aws.String("myservice-a")})
	wantCode(t, err, "NamespaceNotFound")
}
