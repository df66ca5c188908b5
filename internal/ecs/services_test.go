package ecs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/smithy-go"
	"github.com/miekg/dns"
)

// svcFixture is a fixture with clients for ECS and Cloud Map.
type svcFixture struct {
	*fixture
	sd *sd.Client
}

func newServiceFixture(t *testing.T) *svcFixture { return serviceFixture(newFixture(t)) }

// serviceFixture adds the Cloud Map client to a fixture (of either runtime).
// Its configuration already carries the request-body workaround these
// tests' thousands of polling calls need (awstest.Config).
func serviceFixture(f *fixture) *svcFixture {
	f.ecs = ecs.NewFromConfig(f.aws)
	return &svcFixture{fixture: f, sd: sd.NewFromConfig(f.aws)}
}

// namespace creates a private DNS namespace and returns its id.
func (f *svcFixture) namespace(name string) string {
	f.t.Helper()
	ctx := context.Background()
	op, err := f.sd.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String(name), Vpc: aws.String("vpc-1")})
	if err != nil {
		f.t.Fatal(err)
	}
	got, err := f.sd.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		f.t.Fatal(err)
	}
	return got.Operation.Targets["NAMESPACE"]
}

// registry creates a Cloud Map service with A and SRV records, MULTIVALUE
// routing and custom health, as the ECS service-discovery walkthrough does,
// and returns its ARN.
func (f *svcFixture) registry(nsID, name string) string {
	f.t.Helper()
	out, err := f.sd.CreateService(context.Background(), &sd.CreateServiceInput{
		Name:        aws.String(name),
		NamespaceId: aws.String(nsID),
		DnsConfig: &sdtypes.DnsConfig{
			RoutingPolicy: sdtypes.RoutingPolicyMultivalue,
			DnsRecords: []sdtypes.DnsRecord{
				{Type: sdtypes.RecordTypeA, TTL: aws.Int64(60)},
				{Type: sdtypes.RecordTypeSrv, TTL: aws.Int64(60)},
			},
		},
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return *out.Service.Arn
}

// appContainer runs the test app on port 8080; with a health check, the
// check asks the app itself (through the task's $HOST).
func (f *svcFixture) appContainer(healthCheck bool) types.ContainerDefinition {
	c := types.ContainerDefinition{
		Name:         aws.String("app"),
		Image:        aws.String(f.app),
		PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}},
		StopTimeout:  aws.Int32(5),
	}
	if healthCheck {
		c.HealthCheck = &types.HealthCheck{
			Command:     []string{"CMD-SHELL", f.app + " health http://$HOST:8080/"},
			Interval:    aws.Int32(5),
			Timeout:     aws.Int32(2),
			Retries:     aws.Int32(2),
			StartPeriod: aws.Int32(10),
		}
	}
	return c
}

type serviceOpts struct {
	desired    int32
	registries []types.ServiceRegistry
	config     *types.DeploymentConfiguration
}

func (f *svcFixture) createService(name, taskDef string, o serviceOpts) *types.Service {
	f.t.Helper()
	out, err := f.ecs.CreateService(context.Background(), &ecs.CreateServiceInput{
		Cluster:                 aws.String("dev"),
		ServiceName:             aws.String(name),
		TaskDefinition:          aws.String(taskDef),
		DesiredCount:            aws.Int32(o.desired),
		LaunchType:              types.LaunchTypeFargate,
		NetworkConfiguration:    awsvpc,
		ServiceRegistries:       o.registries,
		DeploymentConfiguration: o.config,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Service
}

// dump logs a service as DescribeServices shows it.
func (f *svcFixture) dump(name string) func() {
	return func() {
		b, _ := json.MarshalIndent(f.describe(name), "", " ")
		f.t.Logf("%s: %s", name, b)
	}
}

func (f *svcFixture) describe(name string) types.Service {
	f.t.Helper()
	out, err := f.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("dev"), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		f.t.Fatalf("DescribeServices %s: %v %v", name, out, err)
	}
	return out.Services[0]
}

// waitStable runs the SDK's ServicesStable waiter, polling fast.
func (f *svcFixture) waitStable(timeout time.Duration, names ...string) {
	f.t.Helper()
	w := ecs.NewServicesStableWaiter(f.ecs, func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 200*time.Millisecond
	})
	if err := w.Wait(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("dev"), Services: names}, timeout); err != nil {
		for _, n := range names {
			b, _ := json.MarshalIndent(f.describe(n), "", " ")
			f.t.Logf("%s: %s", n, b)
		}
		f.t.Fatalf("services %v not stable: %v", names, err)
	}
}

// waitCompleted waits for the primary deployment's rollout to complete:
// ServicesStable only looks at counts, and a deployment completes once its
// tasks have settled too.
func (f *svcFixture) waitCompleted(timeout time.Duration, name string) types.Service {
	f.t.Helper()
	var svc types.Service
	eventually(f.t, timeout, name+" rollout completed", func() bool {
		svc = f.describe(name)
		return len(svc.Deployments) == 1 && svc.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	}, f.dump(name))
	return svc
}

// serviceTasks returns a service's RUNNING-desired tasks.
func (f *svcFixture) serviceTasks(name string) []types.Task {
	f.t.Helper()
	ctx := context.Background()
	list, err := f.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev"), ServiceName: aws.String(name)})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(list.TaskArns) == 0 {
		return nil
	}
	out, err := f.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: list.TaskArns})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Tasks
}

func (f *svcFixture) discover(ns, service string) []sdtypes.HttpInstanceSummary {
	f.t.Helper()
	out, err := f.sd.DiscoverInstances(context.Background(), &sd.DiscoverInstancesInput{
		NamespaceName: aws.String(ns), ServiceName: aws.String(service), HealthStatus: sdtypes.HealthStatusFilterHealthy,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Instances
}

func taskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func hasEvent(svc types.Service, substr string) bool {
	for _, e := range svc.Events {
		if strings.Contains(*e.Message, substr) {
			return true
		}
	}
	return false
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool, explain ...func()) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			for _, e := range explain {
				e()
			}
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func apiError(err error) (string, string) {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode(), api.ErrorMessage()
	}
	return "", fmt.Sprint(err)
}

// TestServiceAPI covers the service operations' shapes, defaults and
// errors, with services that run no tasks (or one, briefly).
func TestServiceAPI(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	td := f.register("api", f.appContainer(false))

	svc := f.createService("web", td, serviceOpts{})
	if *svc.Status != "ACTIVE" || svc.SchedulingStrategy != types.SchedulingStrategyReplica || svc.DeploymentController.Type != types.DeploymentControllerTypeEcs ||
		*svc.PlatformVersion != "LATEST" || *svc.PlatformFamily != "Linux" || svc.LaunchType != types.LaunchTypeFargate ||
		*svc.DeploymentConfiguration.MaximumPercent != 200 || *svc.DeploymentConfiguration.MinimumHealthyPercent != 100 ||
		svc.DeploymentConfiguration.DeploymentCircuitBreaker == nil || svc.DeploymentConfiguration.DeploymentCircuitBreaker.Enable ||
		svc.PropagateTags != types.PropagateTagsNone || *svc.RoleArn != "arn:aws:iam::000000000000:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS" ||
		*svc.ServiceArn != "arn:aws:ecs:us-east-1:000000000000:service/dev/web" || *svc.TaskDefinition != td || svc.CreatedBy == nil ||
		len(svc.Events) != 0 || len(svc.Deployments) != 1 || *svc.HealthCheckGracePeriodSeconds != 0 {
		b, _ := json.MarshalIndent(svc, "", " ")
		t.Fatalf("CreateService defaults: %s", b)
	}
	d := svc.Deployments[0]
	if !regexp.MustCompile(`^ecs-svc/[1-9][0-9]{18}$`).MatchString(*d.Id) || *d.Status != "PRIMARY" || *d.PlatformVersion != "1.4.0" ||
		d.RolloutState != types.DeploymentRolloutStateInProgress || *d.RolloutStateReason != "ECS deployment "+*d.Id+" in progress." || d.DesiredCount != 0 {
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("first deployment: %s", b)
	}

	// Idempotent with the same parameters, refused with others.
	again := f.createService("web", td, serviceOpts{})
	if *again.ServiceArn != *svc.ServiceArn || *again.Deployments[0].Id != *d.Id {
		t.Fatalf("identical CreateService made a new service: %s", *again.Deployments[0].Id)
	}
	_, err := f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"), TaskDefinition: &td,
		DesiredCount: aws.Int32(3), NetworkConfiguration: awsvpc})
	wantECSError(t, err, "InvalidParameterException", "Creation of service was not idempotent.")

	srv := f.refuseBadCreateServices(t, td)

	// Registered services and listings.
	withPort := f.createService("discovered", td, serviceOpts{registries: []types.ServiceRegistry{{RegistryArn: &srv, Port: aws.Int32(8080)}}})
	f.createService("third", td, serviceOpts{})
	page1, err := f.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("dev"), MaxResults: aws.Int32(2)})
	if err != nil || len(page1.ServiceArns) != 2 || page1.NextToken == nil {
		t.Fatalf("ListServices page 1: %v %v", page1, err)
	}
	page2, err := f.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("dev"), MaxResults: aws.Int32(2), NextToken: page1.NextToken})
	if err != nil || len(page2.ServiceArns) != 1 || page2.NextToken != nil {
		t.Fatalf("ListServices page 2: %v %v", page2, err)
	}
	byNS, err := f.ecs.ListServicesByNamespace(ctx, &ecs.ListServicesByNamespaceInput{Namespace: aws.String("api.local")})
	if err != nil || fmt.Sprint(byNS.ServiceArns) != "["+*withPort.ServiceArn+"]" {
		t.Fatalf("ListServicesByNamespace: %v %v", byNS, err)
	}
	_, err = f.ecs.ListServicesByNamespace(ctx, &ecs.ListServicesByNamespaceInput{Namespace: aws.String("nowhere.local")})
	if code, _ := apiError(err); code != "NamespaceNotFoundException" {
		t.Fatalf("unknown namespace: %v", err)
	}
	desc, err := f.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("dev"), Services: []string{"web", "ghost"}})
	if err != nil || len(desc.Services) != 1 || len(desc.Failures) != 1 || *desc.Failures[0].Reason != "MISSING" ||
		*desc.Failures[0].Arn != "arn:aws:ecs:us-east-1:000000000000:service/dev/ghost" {
		t.Fatalf("DescribeServices with a missing one: %+v %v", desc, err)
	}

	// UpdateService: desiredCount applies in place; forceNewDeployment
	// starts a deployment and the old one wants nothing.
	up, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("third"), DesiredCount: aws.Int32(0),
		DeploymentConfiguration: &types.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(50)}})
	if err != nil || len(up.Service.Deployments) != 1 || *up.Service.DeploymentConfiguration.MinimumHealthyPercent != 50 || *up.Service.DeploymentConfiguration.MaximumPercent != 200 {
		t.Fatalf("UpdateService in place: %+v %v", up, err)
	}
	up, err = f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), DesiredCount: aws.Int32(1), ForceNewDeployment: true})
	if err != nil || len(up.Service.Deployments) != 2 || *up.Service.Deployments[0].Status != "PRIMARY" || *up.Service.Deployments[1].Status != "ACTIVE" ||
		up.Service.Deployments[0].DesiredCount != 1 || up.Service.Deployments[1].DesiredCount != 0 {
		b, _ := json.MarshalIndent(up, "", " ")
		t.Fatalf("forceNewDeployment: %s %v", b, err)
	}
	_, err = f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("ghost"), DesiredCount: aws.Int32(1)})
	wantECSError(t, err, "ServiceNotFoundException", "Service not found.")
	f.waitStable(30*time.Second, "web")

	f.checkDeleteService(t, td, svc, *d.Id)
}

// refuseBadCreateServices checks that CreateService refuses what ECS
// refuses, changing nothing, and returns the Cloud Map service it made.
func (f *svcFixture) refuseBadCreateServices(t *testing.T, td string) (srv string) {
	ctx := context.Background()
	nsID := f.namespace("api.local")
	srv = f.registry(nsID, "srv")
	bad := []struct {
		name string
		in   ecs.CreateServiceInput
		code string
		msg  string
	}{
		{"no desiredCount", ecs.CreateServiceInput{TaskDefinition: &td, NetworkConfiguration: awsvpc}, "InvalidParameterException", "desiredCount is required"},
		{"no network configuration", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1)}, "InvalidParameterException",
			"Network Configuration must be provided when networkMode 'awsvpc' is specified."},
		{"service connect", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			ServiceConnectConfiguration: &types.ServiceConnectConfiguration{Enabled: true, Namespace: aws.String("api.local")}}, "InvalidParameterException", "not supported by Portolan"},
		{"load balancer", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/1")}}}, "InvalidParameterException", "not supported by Portolan"},
		{"missing registry", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			ServiceRegistries: []types.ServiceRegistry{{RegistryArn: aws.String("arn:aws:servicediscovery:us-east-1:000000000000:service/srv-doesnotexist")}}},
			"InvalidParameterException", "does not exist"},
		{"SRV without a port", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			ServiceRegistries: []types.ServiceRegistry{{RegistryArn: &srv}}}, "InvalidParameterException", "SRV record"},
		{"unmapped container port", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			ServiceRegistries: []types.ServiceRegistry{{RegistryArn: &srv, ContainerName: aws.String("app"), ContainerPort: aws.Int32(9999)}}},
			"InvalidParameterException", "does not have a port mapping for port 9999"},
		{"unknown cluster", ecs.CreateServiceInput{Cluster: aws.String("nope"), TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc},
			"ClusterNotFoundException", "Cluster not found."},
		{"code deploy", ecs.CreateServiceInput{TaskDefinition: &td, DesiredCount: aws.Int32(1), NetworkConfiguration: awsvpc,
			DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy}}, "InvalidParameterException", "not supported by Portolan"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.ServiceName = aws.String("bad")
			if in.Cluster == nil {
				in.Cluster = aws.String("dev")
			}
			before := f.storeRevision()
			_, err := f.ecs.CreateService(ctx, &in)
			if code, msg := apiError(err); code != tc.code || !strings.Contains(msg, tc.msg) {
				t.Fatalf("want %s %q, got %s %q", tc.code, tc.msg, code, msg)
			}
			if f.storeRevision() != before {
				t.Fatal("a refused CreateService changed state")
			}
		})
	}
	return srv
}

// checkDeleteService checks that DeleteService is refused while svc is
// scaled up and, forced, drains it to INACTIVE; then that it can be
// created again, with a new deployment (not firstDeployment).
func (f *svcFixture) checkDeleteService(t *testing.T, td string, svc *types.Service, firstDeployment string) {
	ctx := context.Background()
	// DeleteService: refused while scaled up; forced, it drains to INACTIVE.
	_, err := f.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("dev"), Service: aws.String("web")})
	wantECSError(t, err, "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")
	del, err := f.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String("dev"), Service: svc.ServiceArn, Force: aws.Bool(true)})
	if err != nil || *del.Service.Status != "DRAINING" || del.Service.DesiredCount != 0 {
		t.Fatalf("forced DeleteService: %+v %v", del, err)
	}
	inactive := ecs.NewServicesInactiveWaiter(f.ecs, func(o *ecs.ServicesInactiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 200*time.Millisecond
	})
	if err := inactive.Wait(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("dev"), Services: []string{"web"}}, 30*time.Second); err != nil {
		t.Fatalf("deleted service never INACTIVE: %v", err)
	}
	if tasks := f.serviceTasks("web"); len(tasks) != 0 {
		t.Fatalf("INACTIVE service still has %d tasks", len(tasks))
	}
	list, _ := f.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("dev")})
	if slices.Contains(list.ServiceArns, *svc.ServiceArn) {
		t.Fatal("ListServices shows an INACTIVE service")
	}
	_, err = f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), DesiredCount: aws.Int32(1)})
	wantECSError(t, err, "ServiceNotActiveException", "Service was not ACTIVE.")
	if again := f.createService("web", td, serviceOpts{}); *again.Status != "ACTIVE" || *again.Deployments[0].Id == firstDeployment {
		t.Fatalf("re-creating an INACTIVE service: %+v", again)
	}
	if _, err := f.ecs.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: svc.ServiceArn, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := f.ecs.ListTagsForResource(ctx, &ecs.ListTagsForResourceInput{ResourceArn: svc.ServiceArn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("service tags: %v %v", tags, err)
	}
}

// TestServiceDiscoveryReference is the ECS service-discovery walkthrough on
// the process runtime (TestDockerServiceDiscoveryReference is the same on
// docker). The apps resolve the services' names through Portolan's DNS:
// a process task uses the host's resolver, so the test app is told the
// server's address ($DNS_SERVER). Then a task is killed with SIGKILL: it
// is replaced, and it leaves DiscoverInstances and DNS.
func TestServiceDiscoveryReference(t *testing.T) {
	f := serviceFixture(newServerFixture(t))
	regA := f.discoveryReference(map[string]string{"DNS_SERVER": f.dnsAddr})
	f.checkRequests(20)

	// kill -9 one task's process.
	victim := f.serviceTasks("myservice-a")[0]
	var info struct{ PID int }
	if err := json.Unmarshal([]byte(get(t, "http://"+address(victim)+":8080/")), &info); err != nil || info.PID == 0 {
		t.Fatalf("pid of %s: %v", address(victim), err)
	}
	killed := time.Now()
	if err := killPID(info.PID); err != nil {
		t.Fatal(err)
	}
	f.checkReplaced(regA, victim, killed)
	f.checkRequests(20)
}

const discoveryNS = "ecs-service-discovery.local"

// discoveryReference sets up the ECS service-discovery walkthrough:
// namespace ecs-service-discovery.local, services myservice-a and
// myservice-b with two tasks each, registered in Cloud Map services with A
// and SRV records, MULTIVALUE routing and custom health. Each service's
// task runs the test app with SERVICE_NAME and env. Once both services are
// stable it checks their events, tasks, instances and DNS records, and
// returns the ARN of myservice-a's Cloud Map service.
func (f *svcFixture) discoveryReference(env map[string]string) (regA string) {
	t := f.t
	t.Helper()
	ctx := context.Background()
	nsID := f.namespace(discoveryNS)
	regA, regB := f.registry(nsID, "myservice-a"), f.registry(nsID, "myservice-b")
	container := func(name string) types.ContainerDefinition {
		c := f.appContainer(false)
		c.Environment = []types.KeyValuePair{{Name: aws.String("SERVICE_NAME"), Value: aws.String(name)}}
		for k, v := range env {
			c.Environment = append(c.Environment, types.KeyValuePair{Name: aws.String(k), Value: aws.String(v)})
		}
		return c
	}
	f.createService("myservice-a", f.register("myservice-a", container("myservice-a")), serviceOpts{desired: 2,
		registries: []types.ServiceRegistry{{RegistryArn: &regA, ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}})
	f.createService("myservice-b", f.register("myservice-b", container("myservice-b")), serviceOpts{desired: 2,
		registries: []types.ServiceRegistry{{RegistryArn: &regB, Port: aws.Int32(8080)}}})
	f.waitStable(60*time.Second, "myservice-a", "myservice-b")

	for _, name := range []string{"myservice-a", "myservice-b"} {
		svc := f.waitCompleted(30*time.Second, name)
		if svc.RunningCount != 2 || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted || !hasEvent(svc, "(service "+name+") has reached a steady state.") ||
			!hasEvent(svc, "deployment completed.") || !hasEvent(svc, "has started 2 tasks") {
			b, _ := json.MarshalIndent(svc, "", " ")
			t.Fatalf("%s after stabilising: %s", name, b)
		}
		tasks := f.serviceTasks(name)
		want := map[string]string{} // task id -> address
		for _, task := range tasks {
			want[taskID(*task.TaskArn)] = address(task)
			if *task.Group != "service:"+name || *task.StartedBy != *svc.Deployments[0].Id {
				t.Fatalf("task group %s startedBy %s", *task.Group, *task.StartedBy)
			}
		}
		insts := f.discover(discoveryNS, name)
		if len(insts) != 2 || len(want) != 2 {
			t.Fatalf("%s: %d healthy instances for %d tasks", name, len(insts), len(want))
		}
		for _, inst := range insts {
			a := inst.Attributes
			if want[*inst.InstanceId] != a["AWS_INSTANCE_IPV4"] || a["AWS_INSTANCE_PORT"] != "8080" || a["ECS_SERVICE_NAME"] != name ||
				a["ECS_CLUSTER_NAME"] != "dev" || a["ECS_TASK_DEFINITION_FAMILY"] != name || a["AVAILABILITY_ZONE"] != "us-east-1a" ||
				a["REGION"] != "us-east-1" || inst.HealthStatus != sdtypes.HealthStatusHealthy {
				t.Fatalf("%s instance %s: %v (%s), tasks %v", name, *inst.InstanceId, a, inst.HealthStatus, want)
			}
			if msg := get(t, "http://"+a["AWS_INSTANCE_IPV4"]+":"+a["AWS_INSTANCE_PORT"]+"/message"); strings.TrimSpace(msg) != name {
				t.Fatalf("%s instance %s says %q", name, *inst.InstanceId, msg)
			}
		}
	}
	byNS, err := f.ecs.ListServicesByNamespace(ctx, &ecs.ListServicesByNamespaceInput{Namespace: aws.String(discoveryNS)})
	if err != nil || len(byNS.ServiceArns) != 2 {
		t.Fatalf("ListServicesByNamespace: %v %v", byNS, err)
	}
	// By name, through Portolan's DNS server: A and SRV records.
	for _, name := range []string{"myservice-a", "myservice-b"} {
		f.checkDNS(name+"."+discoveryNS, f.serviceTasks(name))
	}
	return regA
}

// checkRequests asks a task of myservice-a n times for /request, where
// the app calls both services by DNS name: every answer carries both
// services' messages, and over the calls (MULTIVALUE answers in random
// order, and the app resolves afresh each time) every task of both
// services answers.
func (f *svcFixture) checkRequests(n int) {
	f.t.Helper()
	want := map[string]string{} // task address -> service name
	for _, name := range []string{"myservice-a", "myservice-b"} {
		for _, task := range f.serviceTasks(name) {
			want[address(task)] = name
		}
	}
	from := address(f.serviceTasks("myservice-a")[0])
	seen := map[string]bool{}
	for range n {
		body := get(f.t, "http://"+from+":8080/request")
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if len(lines) != 2 {
			f.t.Fatalf("/request of %s: %q", from, body)
		}
		for i, name := range []string{"myservice-a", "myservice-b"} {
			// "URL ADDR MESSAGE"
			fields := strings.Fields(lines[i])
			url := "http://" + name + "." + discoveryNS + ":8080/message"
			if len(fields) != 3 || fields[0] != url || fields[2] != name {
				f.t.Fatalf("/request of %s: %q, want a line %q ADDR %q", from, body, url, name)
			}
			host, _, _ := net.SplitHostPort(fields[1])
			if want[host] != name {
				f.t.Fatalf("/request of %s: %s answered from %s, not a task of %s (tasks %v)", from, name, fields[1], name, want)
			}
			seen[host] = true
		}
	}
	if len(seen) != len(want) {
		f.t.Fatalf("%d calls reached only %v of the tasks %v", n, seen, want)
	}
}

// checkReplaced follows a killed task of myservice-a (regA its Cloud Map
// service): it leaves DiscoverInstances and DNS, a replacement registers,
// and the service is stable again with exactly one instance per task. It
// logs how long each step took, without asserting on it.
func (f *svcFixture) checkReplaced(regA string, victim types.Task, killed time.Time) {
	t := f.t
	t.Helper()
	ctx := context.Background()
	// By instance id: the replacement may well get the freed address.
	victimID := taskID(*victim.TaskArn)
	without := func() bool {
		for _, inst := range f.discover(discoveryNS, "myservice-a") {
			if *inst.InstanceId == victimID {
				return false
			}
		}
		return true
	}
	eventually(t, 30*time.Second, "the dead task leaves DiscoverInstances", without)
	t.Logf("killed task left DiscoverInstances %v after the kill", time.Since(killed).Round(time.Millisecond))
	name := "myservice-a." + discoveryNS + "."
	eventually(t, 30*time.Second, "the dead task leaves DNS", func() bool {
		return !slices.Contains(f.srvTargets(name), victimID+"."+name)
	})
	t.Logf("killed task left DNS %v after the kill", time.Since(killed).Round(time.Millisecond))
	eventually(t, 30*time.Second, "a replacement registered", func() bool { return len(f.discover(discoveryNS, "myservice-a")) == 2 && without() })
	t.Logf("replacement HEALTHY in Cloud Map %v after the kill", time.Since(killed).Round(time.Millisecond))
	f.waitStable(30*time.Second, "myservice-a")
	stopped := f.waitFor("STOPPED", []string{*victim.TaskArn}, stopped)[0]
	if stopped.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Fatalf("killed task stop code %s", stopped.StopCode)
	}
	f.checkDNS("myservice-a."+discoveryNS, f.serviceTasks("myservice-a"))
	svc := f.describe("myservice-a")
	if !hasEvent(svc, "has started 1 tasks") {
		t.Fatalf("no replacement event: %+v", svc.Events)
	}
	// Exactly one instance per running task, nothing left of the dead one.
	all, err := f.sd.ListInstances(ctx, &sd.ListInstancesInput{ServiceId: aws.String(regA[strings.LastIndex(regA, "/")+1:])})
	if err != nil {
		t.Fatal(err)
	}
	var ids, running []string
	for _, inst := range all.Instances {
		ids = append(ids, *inst.Id)
	}
	for _, task := range f.serviceTasks("myservice-a") {
		running = append(running, taskID(*task.TaskArn))
	}
	sort.Strings(ids)
	sort.Strings(running)
	if fmt.Sprint(ids) != fmt.Sprint(running) {
		t.Fatalf("Cloud Map instances %v, running tasks %v", ids, running)
	}
}

// srvTargets asks Portolan's DNS server for name's SRV records with
// miekg/dns, the way a resolver would, and returns their targets.
func (f *svcFixture) srvTargets(name string) []string {
	f.t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, dns.TypeSRV)
	r, err := dns.Exchange(q, f.dnsAddr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		f.t.Fatalf("SRV %s: %v %v", name, r, err)
	}
	var out []string
	for _, rr := range r.Answer {
		if srv, ok := rr.(*dns.SRV); ok {
			out = append(out, srv.Target)
		}
	}
	return out
}

// TestUnhealthyTaskReplaced: a service task whose container health check
// fails is stopped by the scheduler (ServiceSchedulerInitiated, "Task
// failed container health checks") and replaced, with AWS's events; its
// Cloud Map instance never turns HEALTHY.
func TestUnhealthyTaskReplaced(t *testing.T) {
	f := newServiceFixture(t)
	nsID := f.namespace("sick.local")
	reg := f.registry(nsID, "web")
	c := f.appContainer(false)
	c.HealthCheck = &types.HealthCheck{Command: []string{"CMD", f.app, "health", "http://127.0.0.1:1/"}, Interval: aws.Int32(5), Timeout: aws.Int32(2), Retries: aws.Int32(1)}
	td := f.register("sick", c)
	f.createService("web", td, serviceOpts{desired: 1, registries: []types.ServiceRegistry{{RegistryArn: &reg, Port: aws.Int32(8080)}}})
	var svc types.Service
	eventually(t, 30*time.Second, "an unhealthy task replaced", func() bool {
		svc = f.describe("web")
		return hasEvent(svc, "failed container health checks.") && hasEvent(svc, "Amazon ECS replaced 1 tasks due to an unhealthy status.") &&
			svc.Deployments[0].FailedTasks >= 1 // once the replaced task has STOPPED
	}, f.dump("web"))
	if len(f.discover("sick.local", "web")) != 0 {
		t.Fatal("a task failing its health checks is discoverable as HEALTHY")
	}
	list, err := f.ecs.ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"), DesiredStatus: types.DesiredStatusStopped})
	if err != nil || len(list.TaskArns) == 0 {
		t.Fatalf("no stopped task: %v %v", list, err)
	}
	out, err := f.ecs.DescribeTasks(context.Background(), &ecs.DescribeTasksInput{Cluster: aws.String("dev"), Tasks: list.TaskArns})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range out.Tasks {
		if task.StopCode != types.TaskStopCodeServiceSchedulerInitiated || *task.StoppedReason != "Task failed container health checks" {
			t.Fatalf("replaced task stopped with %s %q", task.StopCode, *task.StoppedReason)
		}
	}
}

// checkDNS resolves name's A and SRV records through the server's DNS and
// compares them with the tasks: their addresses, port 8080, and SRV
// targets named <task id>.<name>.
func (f *svcFixture) checkDNS(name string, tasks []types.Task) {
	f.t.Helper()
	addr := f.dnsAddr
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	ctx := context.Background()
	var want, wantSRV []string
	for _, task := range tasks {
		want = append(want, address(task))
		wantSRV = append(wantSRV, fmt.Sprintf("%s.%s.:8080", taskID(*task.TaskArn), name))
	}
	ips, err := r.LookupHost(ctx, name+".")
	if err != nil {
		f.t.Fatalf("resolve %s: %v", name, err)
	}
	_, srvs, err := r.LookupSRV(ctx, "", "", name+".")
	if err != nil {
		f.t.Fatalf("resolve SRV %s: %v", name, err)
	}
	var gotSRV []string
	for _, s := range srvs {
		gotSRV = append(gotSRV, fmt.Sprintf("%s:%d", s.Target, s.Port))
	}
	for _, l := range [][]string{want, wantSRV, ips, gotSRV} {
		sort.Strings(l)
	}
	if fmt.Sprint(ips) != fmt.Sprint(want) || fmt.Sprint(gotSRV) != fmt.Sprint(wantSRV) {
		f.t.Fatalf("DNS for %s: A %v SRV %v, want A %v SRV %v", name, ips, gotSRV, want, wantSRV)
	}
}
