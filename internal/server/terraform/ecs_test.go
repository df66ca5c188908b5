package terraform_test

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/ecs/ecstest"
)

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// waitOperation is the provider's Cloud Map operation waiter.
func (p *plan) waitOperation(c *sd.Client, id string) string {
	var target string
	p.until("operation "+id, func() (bool, error) {
		op, err := c.GetOperation(p.ctx, &sd.GetOperationInput{OperationId: &id})
		if err != nil {
			return false, err
		}
		if op.Operation.Status == sdtypes.OperationStatusFail {
			p.t.Fatalf("operation %s failed: %s", id, aws.ToString(op.Operation.ErrorMessage))
		}
		target = op.Operation.Targets["NAMESPACE"]
		return op.Operation.Status == sdtypes.OperationStatusSuccess, nil
	})
	return target
}

// applyNamespace: aws_service_discovery_private_dns_namespace.
func (p *plan) applyNamespace(name, vpc string) string {
	c := sd.NewFromConfig(p.cfg())
	op := must[*sd.CreatePrivateDnsNamespaceOutput](p, "CreatePrivateDnsNamespace")(c.CreatePrivateDnsNamespace(p.ctx, &sd.CreatePrivateDnsNamespaceInput{
		Name: &name, Vpc: &vpc, Description: aws.String("discovery"), CreatorRequestId: aws.String("terraform-" + name)}))
	id := p.waitOperation(c, *op.OperationId)
	p.apply("aws_service_discovery_private_dns_namespace."+name, func() any {
		ns := must[*sd.GetNamespaceOutput](p, "GetNamespace")(c.GetNamespace(p.ctx, &sd.GetNamespaceInput{Id: &id})).Namespace
		return []any{*ns.Arn, *ns.Name, aws.ToString(ns.Description), *ns.Properties.DnsProperties.HostedZoneId}
	}, func() {
		op := must[*sd.DeleteNamespaceOutput](p, "DeleteNamespace")(c.DeleteNamespace(p.ctx, &sd.DeleteNamespaceInput{Id: &id}))
		p.waitOperation(c, *op.OperationId)
	})
	return id
}

// applyDiscoveryService: aws_service_discovery_service with A and SRV
// records (the SRV port is what the HTTP API's VPC link integration uses),
// MULTIVALUE routing and custom health; the provider compares
// dns_config.namespace_id on refresh.
func (p *plan) applyDiscoveryService(name, ns string) string {
	c := sd.NewFromConfig(p.cfg())
	records := []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(10)}, {Type: sdtypes.RecordTypeSrv, TTL: aws.Int64(10)}}
	//lint:ignore SA1019 the provider sends dns_config.namespace_id and failure_threshold as the design writes them
	dns, health := &sdtypes.DnsConfig{NamespaceId: &ns, RoutingPolicy: sdtypes.RoutingPolicyMultivalue, DnsRecords: records}, &sdtypes.HealthCheckCustomConfig{FailureThreshold: aws.Int32(1)}
	out := must[*sd.CreateServiceOutput](p, "CreateService")(c.CreateService(p.ctx, &sd.CreateServiceInput{Name: &name, NamespaceId: &ns,
		DnsConfig: dns, HealthCheckCustomConfig: health}))
	id := *out.Service.Id
	p.apply("aws_service_discovery_service."+name, func() any {
		s := must[*sd.GetServiceOutput](p, "GetService")(c.GetService(p.ctx, &sd.GetServiceInput{Id: &id})).Service
		//lint:ignore SA1019 the provider compares dns_config.namespace_id on refresh
		if s.DnsConfig == nil || aws.ToString(s.DnsConfig.NamespaceId) != ns {
			p.t.Fatalf("dns_config.namespace_id read back as %+v", s.DnsConfig)
		}
		return []any{*s.Arn, *s.Name, *s.NamespaceId, s.DnsConfig, s.HealthCheckCustomConfig}
	}, func() {
		p.retryOn("DeleteService", func() error { _, err := c.DeleteService(p.ctx, &sd.DeleteServiceInput{Id: &id}); return err }, "ResourceInUse")
	})
	return *out.Service.Arn
}

// applyLogGroup: aws_cloudwatch_log_group with retention.
func (p *plan) applyLogGroup(name string) {
	c := cloudwatchlogs.NewFromConfig(p.cfg())
	must[*cloudwatchlogs.CreateLogGroupOutput](p, "CreateLogGroup")(c.CreateLogGroup(p.ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name}))
	must[*cloudwatchlogs.PutRetentionPolicyOutput](p, "PutRetentionPolicy")(c.PutRetentionPolicy(p.ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &name, RetentionInDays: aws.Int32(7)}))
	p.apply("aws_cloudwatch_log_group."+name, func() any {
		out := must[*cloudwatchlogs.DescribeLogGroupsOutput](p, "DescribeLogGroups")(c.DescribeLogGroups(p.ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &name}))
		for _, g := range out.LogGroups {
			if *g.LogGroupName == name {
				return []any{*g.Arn, aws.ToInt32(g.RetentionInDays), aws.ToString(g.KmsKeyId), g.LogGroupClass}
			}
		}
		p.t.Fatalf("log group %s not found", name)
		return nil
	}, func() {
		must[*cloudwatchlogs.DeleteLogGroupOutput](p, "DeleteLogGroup")(c.DeleteLogGroup(p.ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name}))
	})
}

// applyCluster: aws_ecs_cluster (Container Insights setting), waited ACTIVE.
func (p *plan) applyCluster(name string) {
	c := ecs.NewFromConfig(p.cfg())
	must[*ecs.CreateClusterOutput](p, "CreateCluster")(c.CreateCluster(p.ctx, &ecs.CreateClusterInput{ClusterName: &name,
		Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("disabled")}}}))
	read := func() any {
		out := must[*ecs.DescribeClustersOutput](p, "DescribeClusters")(c.DescribeClusters(p.ctx, &ecs.DescribeClustersInput{Clusters: []string{name},
			Include: []ecstypes.ClusterField{ecstypes.ClusterFieldConfigurations, ecstypes.ClusterFieldSettings, ecstypes.ClusterFieldTags}}))
		cl := out.Clusters[0]
		return []any{*cl.ClusterArn, *cl.ClusterName, *cl.Status, cl.Settings, cl.Configuration, cl.ServiceConnectDefaults}
	}
	p.until("cluster active", func() (bool, error) { return read().([]any)[2] == "ACTIVE", nil })
	p.apply("aws_ecs_cluster."+name, read, func() {
		p.retryOn("DeleteCluster", func() error {
			_, err := c.DeleteCluster(p.ctx, &ecs.DeleteClusterInput{Cluster: &name})
			return err
		}, "ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException")
		p.until("cluster inactive", func() (bool, error) {
			out, err := c.DescribeClusters(p.ctx, &ecs.DescribeClustersInput{Clusters: []string{name}})
			return err == nil && (len(out.Clusters) == 0 || *out.Clusters[0].Status == "INACTIVE"), err
		})
	})
}

// applyTaskDefinition: aws_ecs_task_definition (FARGATE, awsvpc, the test
// app logging to the group). A changed definition is a new revision, the
// old one deregistered.
func (p *plan) applyTaskDefinition(family, roleArn, logGroup, app string, env map[string]string) string {
	c := ecs.NewFromConfig(p.cfg())
	container := ecstypes.ContainerDefinition{Name: aws.String("app"), Image: &app, Essential: aws.Bool(true),
		PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080), Protocol: ecstypes.TransportProtocolTcp}},
		LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": logGroup, "awslogs-region": "us-east-1", "awslogs-stream-prefix": family}}}
	for k, v := range env {
		container.Environment = append(container.Environment, ecstypes.KeyValuePair{Name: aws.String(k), Value: aws.String(v)})
	}
	out := must[*ecs.RegisterTaskDefinitionOutput](p, "RegisterTaskDefinition")(c.RegisterTaskDefinition(p.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: &family, NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"), TaskRoleArn: &roleArn, ExecutionRoleArn: &roleArn, ContainerDefinitions: []ecstypes.ContainerDefinition{container}}))
	arn := *out.TaskDefinition.TaskDefinitionArn
	p.apply("aws_ecs_task_definition."+family, func() any {
		td := must[*ecs.DescribeTaskDefinitionOutput](p, "DescribeTaskDefinition")(c.DescribeTaskDefinition(p.ctx, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: &arn, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}}))
		d := td.TaskDefinition
		return []any{*d.TaskDefinitionArn, d.Revision, d.ContainerDefinitions, *d.Cpu, *d.Memory, d.NetworkMode, d.RequiresCompatibilities, *d.TaskRoleArn, *d.ExecutionRoleArn, td.Tags}
	}, func() {
		must[*ecs.DeregisterTaskDefinitionOutput](p, "DeregisterTaskDefinition")(c.DeregisterTaskDefinition(p.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: &arn}))
		must[*ecs.DeleteTaskDefinitionsOutput](p, "DeleteTaskDefinitions")(c.DeleteTaskDefinitions(p.ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{arn}}))
	})
	return arn
}

// applyService: aws_ecs_service with wait_for_steady_state, registered in
// a Cloud Map service; the design scales it from 1 to 2 tasks in place.
func (p *plan) applyService(cluster, name, taskDef, registry string, n network) {
	c := ecs.NewFromConfig(p.cfg())
	since := time.Now().Truncate(time.Millisecond).Add(-time.Millisecond)
	in := &ecs.CreateServiceInput{Cluster: &cluster, ServiceName: &name, TaskDefinition: &taskDef, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: n.subnets, SecurityGroups: []string{n.sg}}},
		ServiceRegistries:    []ecstypes.ServiceRegistry{{RegistryArn: &registry, ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{MaximumPercent: aws.Int32(200), MinimumHealthyPercent: aws.Int32(100),
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
		PropagateTags: ecstypes.PropagateTagsService, EnableECSManagedTags: true}
	// The provider retries while IAM has not propagated the roles.
	p.retryOn("CreateService", func() error { _, err := c.CreateService(p.ctx, in); return err }, "InvalidParameterException")
	p.steady(c, cluster, name, since)
	p.apply("aws_ecs_service."+name, func() any {
		out := must[*ecs.DescribeServicesOutput](p, "DescribeServices")(c.DescribeServices(p.ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{name},
			Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}}))
		s := out.Services[0]
		return []any{*s.ServiceArn, *s.Status, s.DesiredCount, *s.TaskDefinition, s.LaunchType, *s.PlatformVersion, s.NetworkConfiguration, s.ServiceRegistries,
			s.DeploymentConfiguration, s.DeploymentController, s.PropagateTags, s.EnableECSManagedTags, s.SchedulingStrategy, s.PlacementConstraints, s.Tags}
	}, func() {
		must[*ecs.UpdateServiceOutput](p, "UpdateService")(c.UpdateService(p.ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &name, DesiredCount: aws.Int32(0)}))
		must[*ecs.DeleteServiceOutput](p, "DeleteService")(c.DeleteService(p.ctx, &ecs.DeleteServiceInput{Cluster: &cluster, Service: &name}))
		p.until("service inactive", func() (bool, error) {
			out, err := c.DescribeServices(p.ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{name}})
			return err == nil && (len(out.Services) == 0 || *out.Services[0].Status == "INACTIVE"), err
		})
	})
	since = time.Now().Truncate(time.Millisecond).Add(-time.Millisecond)
	must[*ecs.UpdateServiceOutput](p, "UpdateService")(c.UpdateService(p.ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &name, DesiredCount: aws.Int32(2)}))
	p.steady(c, cluster, name, since)
	p.update("aws_ecs_service." + name)
}

// updateTaskDefinition is the design's change of a task definition: a
// new revision replaces the old one, and the service moves to it with a
// new deployment, followed to SUCCESSFUL by wait_for_steady_state.
func (p *plan) updateTaskDefinition(cluster, service, roleArn, logGroup, app string, env map[string]string) {
	p.t.Helper()
	var td string
	p.replace("aws_ecs_task_definition."+service, func() { td = p.applyTaskDefinition(service, roleArn, logGroup, app, env) })
	c := ecs.NewFromConfig(p.cfg())
	since := time.Now().Truncate(time.Millisecond).Add(-time.Millisecond)
	must[*ecs.UpdateServiceOutput](p, "UpdateService")(c.UpdateService(p.ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &service, TaskDefinition: &td}))
	if arn, err := ecstest.WaitSteadyState(p.ctx, c, cluster, service, since, 100*time.Millisecond); err != nil || arn == "" {
		p.t.Fatalf("%s: wait_for_steady_state after a new task definition: followed %q: %v", service, arn, err)
	}
	p.update("aws_ecs_service." + service)
}

// steady is wait_for_steady_state.
func (p *plan) steady(c *ecs.Client, cluster, name string, since time.Time) {
	p.t.Helper()
	if _, err := ecstest.WaitSteadyState(p.ctx, c, cluster, name, since, 100*time.Millisecond); err != nil {
		p.t.Fatalf("%s: wait_for_steady_state: %v", name, err)
	}
}
