package ecs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

var serviceNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)

// serviceSettings are the service's parameters that start no deployment.
type serviceSettings struct {
	SchedulingStrategy            string                   `json:"schedulingStrategy"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"deploymentConfiguration"`
	DeploymentController          *DeploymentController    `json:"deploymentController"`
	PlacementConstraints          []PlacementConstraint    `json:"placementConstraints"`
	PlacementStrategy             []PlacementStrategy      `json:"placementStrategy"`
	HealthCheckGracePeriodSeconds int                      `json:"healthCheckGracePeriodSeconds"`
	EnableECSManagedTags          bool                     `json:"enableECSManagedTags"`
	PropagateTags                 string                   `json:"propagateTags"`
	EnableExecuteCommand          bool                     `json:"enableExecuteCommand"`
	AvailabilityZoneRebalancing   string                   `json:"availabilityZoneRebalancing,omitempty"`
}

// serviceRecord is what the store holds for a service, written by the API
// and by the scheduler (always compare-and-swap on the whole record).
type serviceRecord struct {
	ServiceName  string `json:"serviceName"`
	ServiceArn   string `json:"serviceArn"`
	Cluster      string `json:"cluster"`
	ClusterArn   string `json:"clusterArn"`
	Status       string `json:"status"`
	DesiredCount int    `json:"desiredCount"`
	serviceSettings
	RoleArn   string           `json:"roleArn,omitempty"`
	CreatedAt awsapi.Timestamp `json:"createdAt"`
	CreatedBy string           `json:"createdBy"`
	// Tags is the "tags" member TagResource edits in place (tags.go).
	Tags []Tag `json:"tags,omitempty"`
	// Deployments are newest first: the PRIMARY, then ACTIVE ones still
	// holding tasks.
	Deployments []*deploymentRecord `json:"deployments"`
	// LastCompleted is the newest deployment that reached COMPLETED: what
	// the circuit breaker rolls back to, even after it has drained away.
	LastCompleted *deploymentRecord `json:"lastCompleted,omitempty"`
	Events        []ServiceEvent    `json:"events"`
	// ServiceDeployments (newest first) and Revisions are the service's
	// history (servicehistory.go).
	ServiceDeployments []*serviceDeploymentRecord `json:"serviceDeployments,omitempty"`
	Revisions          []*serviceRevisionRecord   `json:"serviceRevisions,omitempty"`
}

func (r *serviceRecord) primary() *deploymentRecord { return r.Deployments[0] }

// unset says whether an optional JSON member was absent, null or empty.
func unset(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s == "" || s == "null" || s == "[]" || s == "{}"
}

type CreateServiceInput struct {
	Cluster                       string                         `json:"cluster"`
	ServiceName                   string                         `json:"serviceName"`
	TaskDefinition                string                         `json:"taskDefinition"`
	LoadBalancers                 []LoadBalancer                 `json:"loadBalancers"`
	ServiceRegistries             []ServiceRegistry              `json:"serviceRegistries"`
	DesiredCount                  *int                           `json:"desiredCount"`
	ClientToken                   string                         `json:"clientToken"`
	LaunchType                    string                         `json:"launchType"`
	CapacityProviderStrategy      []CapacityProviderStrategyItem `json:"capacityProviderStrategy"`
	PlatformVersion               string                         `json:"platformVersion"`
	Role                          string                         `json:"role"`
	DeploymentConfiguration       *DeploymentConfiguration       `json:"deploymentConfiguration"`
	PlacementConstraints          []PlacementConstraint          `json:"placementConstraints"`
	PlacementStrategy             []PlacementStrategy            `json:"placementStrategy"`
	NetworkConfiguration          *NetworkConfiguration          `json:"networkConfiguration"`
	HealthCheckGracePeriodSeconds *int                           `json:"healthCheckGracePeriodSeconds"`
	SchedulingStrategy            string                         `json:"schedulingStrategy"`
	DeploymentController          *DeploymentController          `json:"deploymentController"`
	Tags                          []Tag                          `json:"tags"`
	EnableECSManagedTags          bool                           `json:"enableECSManagedTags"`
	PropagateTags                 string                         `json:"propagateTags"`
	EnableExecuteCommand          bool                           `json:"enableExecuteCommand"`
	AvailabilityZoneRebalancing   string                         `json:"availabilityZoneRebalancing"`
	ServiceConnectConfiguration   json.RawMessage                `json:"serviceConnectConfiguration"`
	VolumeConfigurations          json.RawMessage                `json:"volumeConfigurations"`
	VpcLatticeConfigurations      json.RawMessage                `json:"vpcLatticeConfigurations"`
}

type ServiceOutput struct {
	Service *Service `json:"service"`
}

// refuseUnsupported names, once for Create and Update, the features
// Portolan does not emulate rather than silently ignoring them.
func refuseUnsupported(serviceConnect, volumes, lattice json.RawMessage) error {
	switch {
	case !unset(serviceConnect):
		return invalidParameter("serviceConnectConfiguration is not supported by Portolan: use serviceRegistries (Cloud Map service discovery) instead.")
	case !unset(volumes):
		return notSupported("volumeConfigurations (EBS volumes)")
	case !unset(lattice):
		return notSupported("vpcLatticeConfigurations")
	}
	return nil
}

// CreateService records a service with its first deployment; the
// scheduler starts its tasks. Creating a name that is ACTIVE with the same
// parameters returns that service, as AWS's idempotent create does.
func (c *Control) CreateService(ctx context.Context, in *CreateServiceInput) (*ServiceOutput, error) {
	if !serviceNamePattern.MatchString(in.ServiceName) {
		return nil, invalidParameter("Service name must be 1 to 255 letters, numbers, hyphens and underscores.")
	}
	if err := refuseUnsupported(in.ServiceConnectConfiguration, in.VolumeConfigurations, in.VpcLatticeConfigurations); err != nil {
		return nil, err
	}
	switch in.SchedulingStrategy {
	case "", "REPLICA":
	case "DAEMON":
		return nil, notSupported("The DAEMON scheduling strategy")
	default:
		return nil, invalidParameter("Invalid schedulingStrategy %q.", in.SchedulingStrategy)
	}
	// The API reference: desiredCount "is required if schedulingStrategy is
	// REPLICA or isn't specified".
	if in.DesiredCount == nil {
		return nil, invalidParameter("desiredCount is required when schedulingStrategy is REPLICA.")
	}
	if *in.DesiredCount < 0 {
		return nil, invalidParameter("desiredCount must be at least 0.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validatePlacement(Placement{Strategy: in.PlacementStrategy, Constraints: in.PlacementConstraints}); err != nil {
		return nil, err
	}
	cluster, err := clusterName(in.Cluster)
	if err != nil {
		return nil, err
	}
	settings := serviceSettings{
		SchedulingStrategy:          "REPLICA",
		DeploymentController:        in.DeploymentController,
		PlacementConstraints:        nonNil(in.PlacementConstraints),
		PlacementStrategy:           nonNil(in.PlacementStrategy),
		EnableECSManagedTags:        in.EnableECSManagedTags,
		PropagateTags:               in.PropagateTags,
		EnableExecuteCommand:        in.EnableExecuteCommand,
		AvailabilityZoneRebalancing: in.AvailabilityZoneRebalancing,
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		settings.HealthCheckGracePeriodSeconds = *in.HealthCheckGracePeriodSeconds
	}
	if settings.DeploymentConfiguration, err = mergeDeploymentConfiguration(defaultDeploymentConfiguration(), in.DeploymentConfiguration); err != nil {
		return nil, err
	}
	if err := settings.normalize(); err != nil {
		return nil, err
	}
	var out *Service
	err = c.commit(ctx, func() (store.Txn, error) {
		cl, clKV, err := c.activeCluster(ctx, cluster)
		if err != nil {
			return store.Txn{}, err
		}
		spec, td, err := c.launchSpecFor(ctx, cl, launchRequest{
			taskDefinition: in.TaskDefinition, launchType: in.LaunchType, strategy: in.CapacityProviderStrategy,
			platformVersion: in.PlatformVersion, network: in.NetworkConfiguration, registries: in.ServiceRegistries,
			loadBalancers: in.LoadBalancers,
		}, true)
		if err != nil {
			return store.Txn{}, err
		}
		roleArn := awsapi.IAMRoleARN(c.cfg.AccountID, "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
		if in.Role != "" {
			if td.NetworkMode == "awsvpc" {
				return store.Txn{}, invalidParameter("You cannot specify an IAM role for services that require a service linked role.")
			}
			roleArn = in.Role
			if !awsapi.IsARN(roleArn) {
				roleArn = awsapi.IAMRoleARN(c.cfg.AccountID, in.Role)
			}
		}
		key := serviceKey(cluster, in.ServiceName)
		existing, kv, err := store.GetJSON[serviceRecord](ctx, c.st, key)
		cmp := store.Unchanged(kv)
		switch {
		case errors.Is(err, store.ErrNotFound):
			cmp = store.Absent(key)
		case err != nil:
			return store.Txn{}, err
		case existing.Status == ServiceActive && existing.DesiredCount == *in.DesiredCount &&
			sameJSON(existing.serviceSettings, settings) && sameJSON(existing.primary().launchSpec, spec) && existing.RoleArn == roleArn:
			out = c.render(existing, nil)
			return store.Txn{}, nil
		case existing.Status != ServiceInactive:
			return store.Txn{}, invalidParameter("Creation of service was not idempotent.")
		}
		now := awsapi.Now()
		rec := &serviceRecord{
			ServiceName:     in.ServiceName,
			ServiceArn:      c.arn("service/" + cluster + "/" + in.ServiceName),
			Cluster:         cluster,
			ClusterArn:      cl.ClusterArn,
			Status:          ServiceActive,
			DesiredCount:    *in.DesiredCount,
			serviceSettings: settings,
			RoleArn:         roleArn,
			CreatedAt:       now,
			CreatedBy:       awsapi.AccountRootARN(c.cfg.AccountID),
			Tags:            in.Tags,
			Deployments:     []*deploymentRecord{newDeployment(spec, now)},
			Events:          []ServiceEvent{},
		}
		rec.recordDeployment(now)
		out = c.render(rec, nil)
		// AWS's immediate answer shows the new deployment with desiredCount
		// 0: the scheduler has not taken it up yet.
		out.Deployments[0].DesiredCount = 0
		return store.Txn{If: []store.Cmp{store.Unchanged(clKV), cmp}, Then: []store.Op{store.Put(key, store.JSON(rec))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ServiceOutput{Service: out}, nil
}

func sameJSON(a, b any) bool { return bytes.Equal(store.JSON(a), store.JSON(b)) }

// normalize applies the defaults and checks the enumerations.
func (s *serviceSettings) normalize() error {
	if s.DeploymentController == nil {
		s.DeploymentController = &DeploymentController{Type: "ECS"}
	}
	switch s.DeploymentController.Type {
	case "ECS":
	case "CODE_DEPLOY", "EXTERNAL":
		return invalidParameter("Deployment controller type %s is not supported by Portolan: only ECS rolling updates are.", s.DeploymentController.Type)
	default:
		return invalidParameter("Invalid deploymentController type %q.", s.DeploymentController.Type)
	}
	if s.PropagateTags == "" {
		s.PropagateTags = "NONE"
	}
	switch s.PropagateTags {
	case "NONE", "SERVICE", "TASK_DEFINITION":
	default:
		return invalidParameter("Invalid propagateTags %q: it must be NONE, SERVICE or TASK_DEFINITION.", s.PropagateTags)
	}
	switch s.AvailabilityZoneRebalancing {
	case "", "ENABLED", "DISABLED":
	default:
		return invalidParameter("Invalid availabilityZoneRebalancing %q.", s.AvailabilityZoneRebalancing)
	}
	if s.HealthCheckGracePeriodSeconds < 0 {
		return invalidParameter("healthCheckGracePeriodSeconds must be at least 0.")
	}
	return nil
}

// render builds the API's Service, deriving every count from the tasks.
func (c *Control) render(rec *serviceRecord, views []taskView) *Service {
	p := rec.primary()
	svc := &Service{
		ServiceArn:                    rec.ServiceArn,
		ServiceName:                   rec.ServiceName,
		ClusterArn:                    rec.ClusterArn,
		LoadBalancers:                 nonNil(p.LoadBalancers),
		ServiceRegistries:             nonNil(p.ServiceRegistries),
		Status:                        rec.Status,
		DesiredCount:                  rec.DesiredCount,
		LaunchType:                    p.LaunchType,
		CapacityProviderStrategy:      p.CapacityProviderStrategy,
		PlatformVersion:               p.PlatformVersion,
		TaskDefinition:                p.TaskDefinition,
		DeploymentConfiguration:       rec.DeploymentConfiguration,
		Deployments:                   []Deployment{},
		RoleArn:                       rec.RoleArn,
		Events:                        nonNil(rec.Events),
		CreatedAt:                     rec.CreatedAt,
		PlacementConstraints:          nonNil(rec.PlacementConstraints),
		PlacementStrategy:             nonNil(rec.PlacementStrategy),
		NetworkConfiguration:          p.NetworkConfiguration,
		HealthCheckGracePeriodSeconds: rec.HealthCheckGracePeriodSeconds,
		SchedulingStrategy:            rec.SchedulingStrategy,
		DeploymentController:          rec.DeploymentController,
		Tags:                          rec.Tags,
		CreatedBy:                     rec.CreatedBy,
		EnableECSManagedTags:          rec.EnableECSManagedTags,
		PropagateTags:                 rec.PropagateTags,
		EnableExecuteCommand:          rec.EnableExecuteCommand,
		AvailabilityZoneRebalancing:   rec.AvailabilityZoneRebalancing,
	}
	if p.fargate() {
		svc.PlatformFamily = "Linux"
	}
	byDeployment := map[string][]taskView{}
	for _, v := range views {
		byDeployment[v.rec.StartedBy] = append(byDeployment[v.rec.StartedBy], v)
		switch {
		case v.running():
			svc.RunningCount++
		case v.live():
			svc.PendingCount++
		}
	}
	for i, d := range rec.Deployments {
		out := Deployment{
			Id:                       d.ID,
			Status:                   d.Status,
			TaskDefinition:           d.TaskDefinition,
			CreatedAt:                d.CreatedAt,
			UpdatedAt:                d.UpdatedAt,
			CapacityProviderStrategy: d.CapacityProviderStrategy,
			LaunchType:               d.LaunchType,
			PlatformVersion:          d.resolvedPlatform(),
			NetworkConfiguration:     d.NetworkConfiguration,
			RolloutState:             d.RolloutState,
			RolloutStateReason:       d.RolloutStateReason,
			FailedTasks:              rec.failures(d, byDeployment[d.ID]).count,
		}
		// An older deployment is being drained: it wants no tasks.
		if i == 0 && rec.Status == ServiceActive {
			out.DesiredCount = rec.DesiredCount
		}
		if d.fargate() {
			out.PlatformFamily = "Linux"
		}
		for _, v := range byDeployment[d.ID] {
			switch {
			case v.running():
				out.RunningCount++
			case v.live():
				out.PendingCount++
			}
		}
		svc.Deployments = append(svc.Deployments, out)
	}
	rec.currentHistory(svc, views)
	return svc
}

type UpdateServiceInput struct {
	Cluster                       string                         `json:"cluster"`
	Service                       string                         `json:"service"`
	DesiredCount                  *int                           `json:"desiredCount"`
	TaskDefinition                string                         `json:"taskDefinition"`
	CapacityProviderStrategy      []CapacityProviderStrategyItem `json:"capacityProviderStrategy"`
	DeploymentConfiguration       *DeploymentConfiguration       `json:"deploymentConfiguration"`
	AvailabilityZoneRebalancing   string                         `json:"availabilityZoneRebalancing"`
	NetworkConfiguration          *NetworkConfiguration          `json:"networkConfiguration"`
	PlacementConstraints          *[]PlacementConstraint         `json:"placementConstraints"`
	PlacementStrategy             *[]PlacementStrategy           `json:"placementStrategy"`
	PlatformVersion               string                         `json:"platformVersion"`
	ForceNewDeployment            bool                           `json:"forceNewDeployment"`
	HealthCheckGracePeriodSeconds *int                           `json:"healthCheckGracePeriodSeconds"`
	DeploymentController          *DeploymentController          `json:"deploymentController"`
	EnableExecuteCommand          *bool                          `json:"enableExecuteCommand"`
	EnableECSManagedTags          *bool                          `json:"enableECSManagedTags"`
	LoadBalancers                 []LoadBalancer                 `json:"loadBalancers"`
	PropagateTags                 string                         `json:"propagateTags"`
	// A pointer, because an empty list removes the registries while an
	// absent one keeps them.
	ServiceRegistries           *[]ServiceRegistry `json:"serviceRegistries"`
	ServiceConnectConfiguration json.RawMessage    `json:"serviceConnectConfiguration"`
	VolumeConfigurations        json.RawMessage    `json:"volumeConfigurations"`
	VpcLatticeConfigurations    json.RawMessage    `json:"vpcLatticeConfigurations"`
}

// UpdateService changes a service. A new task definition, network
// configuration, platform version or service registries, or
// forceNewDeployment, starts a new PRIMARY deployment; the old one turns
// ACTIVE and drains. The rest applies in place.
func (c *Control) UpdateService(ctx context.Context, in *UpdateServiceInput) (*ServiceOutput, error) {
	if err := refuseUnsupported(in.ServiceConnectConfiguration, in.VolumeConfigurations, in.VpcLatticeConfigurations); err != nil {
		return nil, err
	}
	if in.DesiredCount != nil && *in.DesiredCount < 0 {
		return nil, invalidParameter("desiredCount must be at least 0.")
	}
	cluster, name, err := c.serviceRef(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	var rec *serviceRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		cl, _, err := store.GetJSON[Cluster](ctx, c.st, clusterKey(cluster))
		if errors.Is(err, store.ErrNotFound) {
			return store.Txn{}, errClusterNotFound
		} else if err != nil {
			return store.Txn{}, err
		}
		r, kv, err := c.activeService(ctx, cluster, name)
		if err != nil {
			return store.Txn{}, err
		}
		rec = r
		p := r.primary()
		req := launchRequest{
			taskDefinition:  p.TaskDefinition,
			launchType:      p.LaunchType,
			strategy:        p.CapacityProviderStrategy,
			platformVersion: p.PlatformVersion,
			network:         p.NetworkConfiguration,
			registries:      p.ServiceRegistries,
			loadBalancers:   p.LoadBalancers,
		}
		if in.TaskDefinition != "" {
			req.taskDefinition = in.TaskDefinition
		}
		if len(in.CapacityProviderStrategy) > 0 {
			req.launchType, req.strategy = "", in.CapacityProviderStrategy
		}
		if in.PlatformVersion != "" {
			req.platformVersion = in.PlatformVersion
		}
		if in.NetworkConfiguration != nil {
			req.network = in.NetworkConfiguration
		}
		if in.ServiceRegistries != nil {
			req.registries = *in.ServiceRegistries
		}
		if in.LoadBalancers != nil {
			req.loadBalancers = in.LoadBalancers
		}
		spec, _, err := c.launchSpecFor(ctx, cl, req, in.TaskDefinition != "")
		if err != nil {
			return store.Txn{}, err
		}
		if r.DeploymentConfiguration, err = mergeDeploymentConfiguration(r.DeploymentConfiguration, in.DeploymentConfiguration); err != nil {
			return store.Txn{}, err
		}
		s := &r.serviceSettings
		if in.DeploymentController != nil {
			s.DeploymentController = in.DeploymentController
		}
		if in.PlacementConstraints != nil {
			s.PlacementConstraints = nonNil(*in.PlacementConstraints)
		}
		if in.PlacementStrategy != nil {
			s.PlacementStrategy = nonNil(*in.PlacementStrategy)
		}
		if in.HealthCheckGracePeriodSeconds != nil {
			s.HealthCheckGracePeriodSeconds = *in.HealthCheckGracePeriodSeconds
		}
		if in.EnableExecuteCommand != nil {
			s.EnableExecuteCommand = *in.EnableExecuteCommand
		}
		if in.EnableECSManagedTags != nil {
			s.EnableECSManagedTags = *in.EnableECSManagedTags
		}
		if in.PropagateTags != "" {
			s.PropagateTags = in.PropagateTags
		}
		if in.AvailabilityZoneRebalancing != "" {
			s.AvailabilityZoneRebalancing = in.AvailabilityZoneRebalancing
		}
		if err := s.normalize(); err != nil {
			return store.Txn{}, err
		}
		if in.DesiredCount != nil {
			r.DesiredCount = *in.DesiredCount
		}
		// A capacity provider change alone starts no deployment (C.7).
		unchangedLaunch := spec
		unchangedLaunch.CapacityProviderStrategy = p.CapacityProviderStrategy
		if in.ForceNewDeployment || !sameJSON(unchangedLaunch, p.launchSpec) {
			now := awsapi.Now()
			p.Status, p.UpdatedAt = DeploymentActive, now
			r.Deployments = append([]*deploymentRecord{newDeployment(spec, now)}, r.Deployments...)
			r.recordDeployment(now)
		} else {
			p.CapacityProviderStrategy = spec.CapacityProviderStrategy
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c.serviceOutput(ctx, cluster, name, rec)
}

// serviceRef resolves a service name or ARN; an ARN's cluster (long
// format) wins over the parameter.
func (c *Control) serviceRef(clusterRef, ref string) (string, string, error) {
	cluster, err := clusterName(clusterRef)
	if err != nil {
		return "", "", err
	}
	if ref == "" {
		return "", "", invalidParameter("service is required.")
	}
	if rest, isARN, ok := arnResource(ref, "service"); isARN {
		if !ok || rest == "" {
			return "", "", invalidParameter("Invalid service ARN: %s", ref)
		}
		if cl, name, ok := strings.Cut(rest, "/"); ok {
			return cl, name, nil
		}
		return cluster, rest, nil
	}
	return cluster, ref, nil
}

// activeService reads a service that UpdateService or DeleteService may
// change: it must exist and be ACTIVE, not DRAINING or INACTIVE.
func (c *Control) activeService(ctx context.Context, cluster, name string) (*serviceRecord, store.KV, error) {
	r, kv, err := store.GetJSON[serviceRecord](ctx, c.st, serviceKey(cluster, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, errServiceNotFound
	} else if err != nil {
		return nil, kv, err
	}
	if r.Status != ServiceActive {
		return nil, kv, errServiceNotActive
	}
	return r, kv, nil
}

type DeleteServiceInput struct {
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	Force   *bool  `json:"force"`
}

// DeleteService turns a service DRAINING; the scheduler stops its tasks
// and marks it INACTIVE once none is left. Without force it must already
// be scaled to 0.
func (c *Control) DeleteService(ctx context.Context, in *DeleteServiceInput) (*ServiceOutput, error) {
	cluster, name, err := c.serviceRef(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	force := in.Force != nil && *in.Force
	var rec *serviceRecord
	err = c.commit(ctx, func() (store.Txn, error) {
		if err := c.requireCluster(ctx, cluster); err != nil {
			return store.Txn{}, err
		}
		r, kv, err := c.activeService(ctx, cluster, name)
		if err != nil {
			return store.Txn{}, err
		}
		if r.DesiredCount > 0 && !force {
			return store.Txn{}, invalidParameter("The service cannot be stopped while it is scaled above 0.")
		}
		r.Status, r.DesiredCount = ServiceDraining, 0
		r.serviceStopped(awsapi.Now())
		rec = r
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c.serviceOutput(ctx, cluster, name, rec)
}

type DescribeServicesInput struct {
	Cluster  string   `json:"cluster"`
	Services []string `json:"services"`
	Include  []string `json:"include"`
}

type DescribeServicesOutput struct {
	Services []*Service `json:"services"`
	Failures []Failure  `json:"failures"`
}

// DescribeServices answers unknown services with a MISSING failure, not an
// error: the SDK waiters depend on it.
func (c *Control) DescribeServices(ctx context.Context, in *DescribeServicesInput) (*DescribeServicesOutput, error) {
	if len(in.Services) == 0 || len(in.Services) > 10 {
		return nil, invalidParameter("services must contain between 1 and 10 services.")
	}
	if _, err := c.existingCluster(ctx, in.Cluster); err != nil {
		return nil, err
	}
	out := &DescribeServicesOutput{Services: []*Service{}, Failures: []Failure{}}
	viewsOf := map[string]map[string][]taskView{}
	for _, ref := range in.Services {
		cluster, name, err := c.serviceRef(in.Cluster, ref)
		if err != nil {
			return nil, err
		}
		rec, _, err := store.GetJSON[serviceRecord](ctx, c.st, serviceKey(cluster, name))
		if errors.Is(err, store.ErrNotFound) {
			out.Failures = append(out.Failures, Failure{Arn: c.arn("service/" + cluster + "/" + name), Reason: "MISSING"})
			continue
		} else if err != nil {
			return nil, err
		}
		if viewsOf[cluster] == nil {
			if viewsOf[cluster], err = c.serviceTaskViews(ctx, cluster); err != nil {
				return nil, err
			}
		}
		svc := c.render(rec, viewsOf[cluster][name])
		if !contains(in.Include, "TAGS") {
			svc.Tags = nil
		}
		out.Services = append(out.Services, svc)
	}
	return out, nil
}

type ListServicesInput struct {
	Cluster            string `json:"cluster"`
	LaunchType         string `json:"launchType"`
	SchedulingStrategy string `json:"schedulingStrategy"`
	MaxResults         *int32 `json:"maxResults"`
	NextToken          string `json:"nextToken"`
}

type ListServicesOutput struct {
	ServiceArns []string `json:"serviceArns"`
	NextToken   *string  `json:"nextToken,omitempty"`
}

// ListServices lists a cluster's ACTIVE services (DRAINING ones are hidden).
func (c *Control) ListServices(ctx context.Context, in *ListServicesInput) (*ListServicesOutput, error) {
	cluster, err := c.existingCluster(ctx, in.Cluster)
	if err != nil {
		return nil, err
	}
	kvs, _, err := c.st.List(ctx, ServicePrefix+cluster+"/")
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, kv := range kvs {
		rec := store.DecodeJSON[serviceRecord](kv.Value)
		if rec == nil || rec.Status != ServiceActive || len(rec.Deployments) == 0 ||
			(in.LaunchType != "" && rec.primary().LaunchType != in.LaunchType) ||
			(in.SchedulingStrategy != "" && rec.SchedulingStrategy != in.SchedulingStrategy) {
			continue
		}
		arns = append(arns, rec.ServiceArn)
	}
	sort.Strings(arns)
	page, next, err := paginate(servicePager, arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListServicesOutput{ServiceArns: page, NextToken: next}, nil
}

// serviceOutput answers UpdateService and DeleteService: the service as
// written, with the counts of its tasks as they are now.
func (c *Control) serviceOutput(ctx context.Context, cluster, name string, rec *serviceRecord) (*ServiceOutput, error) {
	views, err := c.serviceTaskViews(ctx, cluster)
	if err != nil {
		return nil, err
	}
	return &ServiceOutput{Service: c.render(rec, views[name])}, nil
}

// serviceTaskViews returns a cluster's service tasks by service name.
func (c *Control) serviceTaskViews(ctx context.Context, cluster string) (map[string][]taskView, error) {
	views, err := c.taskViews(ctx, TaskPrefix+cluster+"/", TaskStatusPrefix+cluster+"/")
	if err != nil {
		return nil, err
	}
	out := map[string][]taskView{}
	for _, v := range views {
		if name, ok := v.serviceName(); ok {
			out[name] = append(out[name], v)
		}
	}
	return out, nil
}
