package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/logs"
)

// Handler creates, updates and deletes one resource type. Update returns
// ErrReplace when the change needs a new physical resource, as
// CloudFormation replaces resources whose immutable properties change.
// Services outside this package plug theirs in through Config.Extra.
type Handler interface {
	Create(ctx context.Context, r *Resource) (physicalID string, attrs map[string]any, err error)
	Update(ctx context.Context, r *Resource, old map[string]any) (attrs map[string]any, err error)
	Delete(ctx context.Context, r *Resource) error
}

// Resource is one resource being deployed.
type Resource struct {
	LogicalID  string
	Type       string
	Props      map[string]any
	PhysicalID string
	Attrs      map[string]any // from the last deploy, for updates
	Stack      string
	Wanted     []string // attributes the template asks for
	// Images maps image names in the template to something runnable here
	// (the deploy's --image mappings).
	Images map[string]string
	// Exists records that the physical resource now exists. A Create that
	// goes on to wait for its resource to settle calls it first, so that a
	// failed wait, or a crash during it, still leaves the resource known to
	// the stack: rollback and destroy then delete it.
	Exists func(physicalID string, attrs map[string]any) error
}

// ErrReplace tells the deployer to create a new resource and delete the old.
var ErrReplace = errors.New("needs replacement")

// decodeProps fills an API input from CloudFormation properties. CFN
// property names are the API's member names capitalised, and encoding/json
// matches field names case-insensitively, so one round trip maps them.
func decodeProps(props map[string]any, into any) error {
	b, err := json.Marshal(coerce(props, reflect.TypeOf(into)))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

func str(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

// generatedName makes the name CloudFormation gives a resource whose name
// property was left out: stack-logicalId-SUFFIX.
func generatedName(r *Resource, max int) string {
	name := r.Stack + "-" + r.LogicalID
	if len(name) > max-13 {
		name = name[:max-13]
	}
	return name + "-" + strings.ToUpper(awsapi.RandomID(12))
}

// creatorRequestID makes a Cloud Map create idempotent across a retry of
// the same deploy (after a crash, say) but not across a replacement, whose
// properties differ: it hashes the stack, the resource and its properties,
// within Cloud Map's 64 characters.
func creatorRequestID(r *Resource) string {
	props, _ := json.Marshal(r.Props) // map keys come out sorted
	sum := sha256.Sum256(append([]byte(r.Stack+"\x00"+r.LogicalID+"\x00"), props...))
	return "cfn-" + hex.EncodeToString(sum[:16])
}

// ---- Cloud Map ----

type cloudMapNamespace struct {
	reg *cloudmap.Control
	typ string
}

func (h cloudMapNamespace) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var op *cloudmap.OperationOutput
	var err error
	switch h.typ {
	case cloudmap.NamespaceHTTP:
		var in cloudmap.CreateHttpNamespaceInput
		if err = decodeProps(r.Props, &in); err == nil {
			in.CreatorRequestId = creatorRequestID(r)
			op, err = h.reg.CreateHttpNamespace(ctx, &in)
		}
	case cloudmap.NamespaceDNSPrivate:
		var in cloudmap.CreatePrivateDnsNamespaceInput
		if err = decodeProps(r.Props, &in); err == nil {
			in.CreatorRequestId = creatorRequestID(r)
			op, err = h.reg.CreatePrivateDnsNamespace(ctx, &in)
		}
	default:
		var in cloudmap.CreatePublicDnsNamespaceInput
		if err = decodeProps(r.Props, &in); err == nil {
			in.CreatorRequestId = creatorRequestID(r)
			op, err = h.reg.CreatePublicDnsNamespace(ctx, &in)
		}
	}
	if err != nil {
		return "", nil, err
	}
	got, err := h.reg.GetOperation(ctx, &cloudmap.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		return "", nil, err
	}
	id := got.Operation.Targets["NAMESPACE"]
	return id, h.attrs(ctx, id), nil
}

func (h cloudMapNamespace) attrs(ctx context.Context, id string) map[string]any {
	ns, err := h.reg.GetNamespace(ctx, &cloudmap.IdInput{Id: id})
	if err != nil {
		return map[string]any{"Id": id}
	}
	attrs := map[string]any{"Id": id, "Arn": ns.Namespace.Arn}
	if p := ns.Namespace.Properties; p != nil && p.DnsProperties != nil {
		attrs["HostedZoneId"] = p.DnsProperties.HostedZoneId
	}
	return attrs
}

func (h cloudMapNamespace) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "Name") != str(old, "Name") || str(r.Props, "Vpc") != str(old, "Vpc") {
		return nil, ErrReplace
	}
	desc := str(r.Props, "Description")
	in := &cloudmap.UpdateNamespaceInput{Id: r.PhysicalID, Namespace: &cloudmap.NamespaceUpdate{Description: &desc}}
	var err error
	switch h.typ {
	case cloudmap.NamespaceHTTP:
		_, err = h.reg.UpdateHttpNamespace(ctx, in)
	case cloudmap.NamespaceDNSPrivate:
		_, err = h.reg.UpdatePrivateDnsNamespace(ctx, in)
	default:
		_, err = h.reg.UpdatePublicDnsNamespace(ctx, in)
	}
	return h.attrs(ctx, r.PhysicalID), err
}

func (h cloudMapNamespace) Delete(ctx context.Context, r *Resource) error {
	_, err := h.reg.DeleteNamespace(ctx, &cloudmap.IdInput{Id: r.PhysicalID})
	return ignoreNotFound(err)
}

type cloudMapService struct{ reg *cloudmap.Control }

func (h cloudMapService) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in cloudmap.CreateServiceInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if in.Name == "" {
		in.Name = strings.ToLower(generatedName(r, 63))
	}
	in.CreatorRequestId = creatorRequestID(r)
	out, err := h.reg.CreateService(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return out.Service.Id, map[string]any{"Id": out.Service.Id, "Arn": out.Service.Arn, "Name": out.Service.Name}, nil
}

func (h cloudMapService) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in, was cloudmap.CreateServiceInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if in.Name != was.Name || in.NamespaceId != was.NamespaceId || (in.HealthCheckCustomConfig == nil) != (was.HealthCheckCustomConfig == nil) {
		return nil, ErrReplace
	}
	// Cloud Map cannot update a service in an HTTP namespace: a change to
	// one is a new service.
	ns, err := h.reg.GetNamespace(ctx, &cloudmap.IdInput{Id: in.NamespaceId})
	if err != nil {
		return nil, err
	}
	if ns.Namespace.Type == cloudmap.NamespaceHTTP {
		return nil, ErrReplace
	}
	up := &cloudmap.UpdateServiceInput{Id: r.PhysicalID}
	up.Service = &struct {
		Description       *string
		DnsConfig         *struct{ DnsRecords []cloudmap.DnsRecord }
		HealthCheckConfig *cloudmap.HealthCheckConfig
	}{Description: &in.Description, HealthCheckConfig: in.HealthCheckConfig}
	if in.DnsConfig != nil {
		up.Service.DnsConfig = &struct{ DnsRecords []cloudmap.DnsRecord }{in.DnsConfig.DnsRecords}
	}
	if _, err := h.reg.UpdateService(ctx, up); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

func (h cloudMapService) Delete(ctx context.Context, r *Resource) error {
	// As Terraform's force_destroy does, take the instances with it.
	list, err := h.reg.ListInstances(ctx, &cloudmap.ListInstancesInput{ServiceId: r.PhysicalID})
	if err == nil {
		for _, in := range list.Instances {
			h.reg.DeregisterInstance(ctx, &cloudmap.InstanceRef{ServiceId: r.PhysicalID, InstanceId: in.Id})
		}
	}
	_, err = h.reg.DeleteService(ctx, &cloudmap.IdInput{Id: r.PhysicalID})
	return ignoreNotFound(err)
}

type cloudMapInstance struct{ reg *cloudmap.Control }

func (h cloudMapInstance) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in := cloudmap.RegisterInstanceInput{ServiceId: str(r.Props, "ServiceId"), InstanceId: str(r.Props, "InstanceId")}
	if in.InstanceId == "" {
		in.InstanceId = generatedName(r, 64)
	}
	attrs, _ := r.Props["InstanceAttributes"].(map[string]any)
	in.Attributes = map[string]string{}
	for k, v := range attrs {
		in.Attributes[k] = fmt.Sprint(v)
	}
	if _, err := h.reg.RegisterInstance(ctx, &in); err != nil {
		return "", nil, err
	}
	return in.InstanceId, map[string]any{}, nil
}

func (h cloudMapInstance) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h cloudMapInstance) Delete(ctx context.Context, r *Resource) error {
	_, err := h.reg.DeregisterInstance(ctx, &cloudmap.InstanceRef{ServiceId: str(r.Props, "ServiceId"), InstanceId: r.PhysicalID})
	return ignoreNotFound(err)
}

// ---- ECS ----

type ecsCluster struct{ c *ecs.Control }

// clusterProps are AWS::ECS::Cluster's properties; they name the settings
// ClusterSettings where the API says settings.
type clusterProps struct {
	ecs.CreateClusterInput
	ClusterSettings []ecs.ClusterSetting
}

func (h ecsCluster) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var props clusterProps
	if err := decodeProps(r.Props, &props); err != nil {
		return "", nil, err
	}
	in := props.CreateClusterInput
	in.Settings = props.ClusterSettings
	if in.ClusterName == "" {
		in.ClusterName = generatedName(r, 255)
	}
	out, err := h.c.CreateCluster(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return out.Cluster.ClusterName, map[string]any{"Arn": out.Cluster.ClusterArn}, nil
}

func (h ecsCluster) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "ClusterName") != str(old, "ClusterName") {
		return nil, ErrReplace
	}
	var props clusterProps
	if err := decodeProps(r.Props, &props); err != nil {
		return nil, err
	}
	if len(props.ClusterSettings) > 0 {
		if _, err := h.c.UpdateClusterSettings(ctx, &ecs.UpdateClusterSettingsInput{Cluster: r.PhysicalID, Settings: props.ClusterSettings}); err != nil {
			return nil, err
		}
	}
	if !reflect.DeepEqual(r.Props["CapacityProviders"], old["CapacityProviders"]) || !reflect.DeepEqual(r.Props["DefaultCapacityProviderStrategy"], old["DefaultCapacityProviderStrategy"]) {
		in := ecs.PutClusterCapacityProvidersInput{Cluster: r.PhysicalID, CapacityProviders: nonNilSlice(props.CapacityProviders), DefaultCapacityProviderStrategy: nonNilSlice(props.DefaultCapacityProviderStrategy)}
		if _, err := h.c.PutClusterCapacityProviders(ctx, &in); err != nil {
			return nil, err
		}
	}
	return r.Attrs, nil
}

func (h ecsCluster) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteCluster(ctx, &ecs.ClusterRefInput{Cluster: r.PhysicalID})
	return ignoreNotFound(err)
}

// ecsTaskDefinition registers a new revision on every change, as
// CloudFormation does: task definitions are immutable.
type ecsTaskDefinition struct{ c *ecs.Control }

func (h ecsTaskDefinition) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in ecs.RegisterTaskDefinitionInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if in.Family == "" {
		in.Family = strings.ReplaceAll(r.Stack+r.LogicalID, "-", "")
	}
	for i := range in.ContainerDefinitions {
		if img, ok := r.Images[in.ContainerDefinitions[i].Image]; ok {
			in.ContainerDefinitions[i].Image = img
		}
	}
	out, err := h.c.RegisterTaskDefinition(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return out.TaskDefinition.TaskDefinitionArn, map[string]any{"TaskDefinitionArn": out.TaskDefinition.TaskDefinitionArn}, nil
}

func (h ecsTaskDefinition) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h ecsTaskDefinition) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: r.PhysicalID})
	return ignoreNotFound(err)
}

// ---- Logs ----

type logGroup struct{ l *logs.Control }

func (h logGroup) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	name := str(r.Props, "LogGroupName")
	if name == "" {
		name = generatedName(r, 512)
	}
	days, _ := r.Props["RetentionInDays"].(int64)
	if err := h.l.EnsureLogGroup(ctx, name, int32(days)); err != nil {
		return "", nil, err
	}
	return name, map[string]any{"Arn": h.l.GroupARN(name)}, nil
}

func (h logGroup) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "LogGroupName") != str(old, "LogGroupName") {
		return nil, ErrReplace
	}
	return r.Attrs, nil
}

func (h logGroup) Delete(ctx context.Context, r *Resource) error {
	_, err := h.l.DeleteLogGroup(ctx, &logs.LogGroupRef{LogGroupName: r.PhysicalID})
	return ignoreNotFound(err)
}

// ignoreNotFound treats a resource already gone as deleted.
func ignoreNotFound(err error) error {
	if errors.Is(err, awsapi.ErrNotFound) {
		return nil
	}
	return err
}

// ecsService creates ECS services and updates them in place: a changed
// task definition or environment rolls out as a deployment, as on AWS.
type ecsService struct{ c *ecs.Control }

func (h ecsService) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in ecs.CreateServiceInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	if in.ServiceName == "" {
		in.ServiceName = generatedName(r, 255)
	}
	out, err := h.c.CreateService(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	attrs := map[string]any{"Name": out.Service.ServiceName, "ServiceArn": out.Service.ServiceArn}
	if err := r.Exists(out.Service.ServiceArn, attrs); err != nil {
		return "", nil, err
	}
	return out.Service.ServiceArn, attrs, h.waitDeployment(ctx, in.Cluster, out.Service)
}

func (h ecsService) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in, was ecs.CreateServiceInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if in.ServiceName != was.ServiceName || in.Cluster != was.Cluster || in.LaunchType != was.LaunchType {
		return nil, ErrReplace
	}
	regs := in.ServiceRegistries
	lbs := in.LoadBalancers
	if lbs == nil && len(was.LoadBalancers) > 0 {
		lbs = []ecs.LoadBalancer{} // an empty list detaches them; an absent one keeps them
	}
	out, err := h.c.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster:                       in.Cluster,
		Service:                       r.PhysicalID,
		DesiredCount:                  in.DesiredCount,
		TaskDefinition:                in.TaskDefinition,
		DeploymentConfiguration:       in.DeploymentConfiguration,
		NetworkConfiguration:          in.NetworkConfiguration,
		PlatformVersion:               in.PlatformVersion,
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds,
		ServiceRegistries:             &regs,
		LoadBalancers:                 lbs,
	})
	if err != nil {
		return nil, err
	}
	return r.Attrs, h.waitDeployment(ctx, in.Cluster, out.Service)
}

// errCircuitBreaker fails an ECS service whose deployment the circuit
// breaker stopped, in CloudFormation's words.
var errCircuitBreaker = cfnError("Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.")

// cfnError is a message CloudFormation shows as it is.
type cfnError string

func (e cfnError) Error() string { return string(e) }

// serviceStableTimeout bounds the wait for a service's deployment.
// CloudFormation waits up to three hours; a local task that has not run
// within minutes will not.
const serviceStableTimeout = 10 * time.Minute

// waitDeployment waits, as CloudFormation does before it reports an ECS
// service created or updated, until the service is stable: the deployment
// the call made PRIMARY has COMPLETED, it is the only one, and it runs its
// desired count (running tasks are registered and healthy in Cloud Map, so
// the stack's API answers at once). A deployment the circuit breaker
// failed fails the resource, with CloudFormation's message.
func (h ecsService) waitDeployment(ctx context.Context, cluster string, svc *ecs.Service) error {
	var id string
	for _, d := range svc.Deployments {
		if d.Status == "PRIMARY" {
			id = d.Id
		}
	}
	if id == "" {
		return nil
	}
	failed := "(deployment " + id + ") deployment failed"
	deadline := time.Now().Add(serviceStableTimeout)
	for {
		out, err := h.c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{svc.ServiceArn}})
		if err != nil {
			return err
		}
		if len(out.Services) == 0 {
			return fmt.Errorf("service %s disappeared during its deployment", svc.ServiceArn)
		}
		s := out.Services[0]
		for _, ev := range s.Events {
			if strings.Contains(ev.Message, failed) {
				return errCircuitBreaker
			}
		}
		mine := slices.IndexFunc(s.Deployments, func(d ecs.Deployment) bool { return d.Id == id })
		if mine < 0 {
			// Superseded by a newer deployment, which is not this call's.
			return nil
		}
		d := s.Deployments[mine]
		if d.RolloutState == ecs.RolloutFailed {
			return errCircuitBreaker
		}
		if len(s.Deployments) == 1 && d.RolloutState == ecs.RolloutCompleted && d.RunningCount == d.DesiredCount {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("service %s did not stabilize within %s: %d of %d tasks running", s.ServiceName, serviceStableTimeout, d.RunningCount, d.DesiredCount)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Delete waits, as CloudFormation does, until the service has drained to
// INACTIVE, so that its cluster can be deleted next.
func (h ecsService) Delete(ctx context.Context, r *Resource) error {
	force := true
	cluster := str(r.Props, "Cluster")
	if _, err := h.c.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: cluster, Service: r.PhysicalID, Force: &force}); ignoreNotFound(err) != nil {
		return err
	}
	deadline := time.Now().Add(serviceDrainTimeout)
	for time.Now().Before(deadline) {
		out, err := h.c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{r.PhysicalID}})
		if err != nil {
			return ignoreNotFound(err)
		}
		if len(out.Services) == 0 || out.Services[0].Status == "INACTIVE" {
			return nil
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return fmt.Errorf("service %s did not drain within %s", r.PhysicalID, serviceDrainTimeout)
}

// serviceDrainTimeout bounds the wait for a deleted service's tasks to stop:
// each may take its stopTimeout (at most 120 s on Fargate).
const serviceDrainTimeout = 3 * time.Minute

// ecsCapacityProviders is a cluster's capacity provider association: it
// puts the cluster's providers and default strategy (FARGATE and
// FARGATE_SPOT both run on this node's runtime), and its delete clears them.
type ecsCapacityProviders struct{ c *ecs.Control }

func (h ecsCapacityProviders) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in ecs.PutClusterCapacityProvidersInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.CapacityProviders, in.DefaultCapacityProviderStrategy = nonNilSlice(in.CapacityProviders), nonNilSlice(in.DefaultCapacityProviderStrategy)
	if _, err := h.c.PutClusterCapacityProviders(ctx, &in); err != nil {
		return "", nil, err
	}
	return in.Cluster, map[string]any{}, nil
}

func (h ecsCapacityProviders) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "Cluster") != str(old, "Cluster") {
		return nil, ErrReplace
	}
	_, attrs, err := h.Create(ctx, r)
	return attrs, err
}

func (h ecsCapacityProviders) Delete(ctx context.Context, r *Resource) error {
	in := ecs.PutClusterCapacityProvidersInput{Cluster: r.PhysicalID, CapacityProviders: []string{}, DefaultCapacityProviderStrategy: []ecs.CapacityProviderStrategyItem{}}
	_, err := h.c.PutClusterCapacityProviders(ctx, &in)
	if errors.Is(err, ecs.ErrResourceInUse) {
		// A service the template deletes after this still runs on them;
		// the cluster goes with the stack anyway.
		return nil
	}
	return ignoreNotFound(err)
}

// nonNilSlice makes an absent list an empty one, for APIs that require
// the member.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
