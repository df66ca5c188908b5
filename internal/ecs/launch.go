package ecs

import (
	"context"
	"net/netip"
)

// Subnets describes the EC2 subnets awsvpc tasks name; the server wires
// EC2 in. ok is false for an id EC2 does not know.
type Subnets interface {
	TaskSubnet(ctx context.Context, id string) (s TaskSubnet, ok bool, err error)
}

// TaskSubnet is the subnet a task's interface is in, as EC2 described it
// when the task was launched: the agent's runtime gives the task an
// address from CidrBlock, on a network that the tasks of VpcId share
// (the docker runtime; the process runtime keeps loopback addresses).
type TaskSubnet struct {
	SubnetId     string       `json:"subnetId"`
	VpcId        string       `json:"vpcId"`
	CidrBlock    netip.Prefix `json:"cidrBlock"`
	VpcCidrBlock netip.Prefix `json:"vpcCidrBlock"`
}

// taskSubnet is the subnet of a task launched with nc: the first of its
// awsvpc subnets, where its ENI attachment says it is (ECS spreads a
// service's tasks over them; Portolan's all go to the first). It is nil
// without awsvpc, without Config.Subnets, or when EC2 knows no subnet of
// that id: tests and examples name made-up ones ("subnet-1"), whose
// tasks get an address wherever the runtime puts them.
func (c *Control) taskSubnet(ctx context.Context, nc *NetworkConfiguration) (*TaskSubnet, error) {
	if c.cfg.Subnets == nil || nc == nil || nc.AwsvpcConfiguration == nil || len(nc.AwsvpcConfiguration.Subnets) == 0 {
		return nil, nil
	}
	s, ok, err := c.cfg.Subnets.TaskSubnet(ctx, nc.AwsvpcConfiguration.Subnets[0])
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

// launchSpec is what a deployment launches tasks with. Changing any of it
// (bar the capacity provider strategy) makes a new deployment.
type launchSpec struct {
	TaskDefinition           string                         `json:"taskDefinition"`
	LaunchType               string                         `json:"launchType,omitempty"`
	CapacityProviderStrategy []CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	// PlatformVersion is as asked ("LATEST"); deployments show it resolved.
	PlatformVersion      string                `json:"platformVersion,omitempty"`
	NetworkConfiguration *NetworkConfiguration `json:"networkConfiguration,omitempty"`
	ServiceRegistries    []ServiceRegistry     `json:"serviceRegistries,omitempty"`
	LoadBalancers        []LoadBalancer        `json:"loadBalancers,omitempty"`
}

func (l *launchSpec) fargate() bool {
	return l.LaunchType == "FARGATE" || len(l.CapacityProviderStrategy) > 0
}

// launchRequest is the part of a Create/UpdateService request that decides
// how tasks are launched.
type launchRequest struct {
	taskDefinition  string
	launchType      string
	strategy        []CapacityProviderStrategyItem
	platformVersion string
	network         *NetworkConfiguration
	registries      []ServiceRegistry
	loadBalancers   []LoadBalancer
}

// launchSpecFor validates a launch request against the cluster and the
// task definition. requireActive refuses an INACTIVE revision: a service
// may keep one it already runs, but not move to one.
func (c *Control) launchSpecFor(ctx context.Context, cl *Cluster, req launchRequest, requireActive bool) (launchSpec, *taskDefRecord, error) {
	if req.taskDefinition == "" {
		return launchSpec{}, nil, invalidParameter("taskDefinition is required.")
	}
	td, _, err := c.resolveTaskDefinition(ctx, req.taskDefinition)
	if err != nil {
		return launchSpec{}, nil, err
	}
	if requireActive && td.Status != "ACTIVE" {
		return launchSpec{}, nil, invalidParameter("TaskDefinition is inactive")
	}
	launchType, provider, err := resolveLaunch(cl, &td.TaskDefinition, req.launchType, req.strategy, req.network)
	if err != nil {
		return launchSpec{}, nil, err
	}
	spec := launchSpec{
		TaskDefinition:       td.TaskDefinitionArn,
		LaunchType:           launchType,
		PlatformVersion:      req.platformVersion,
		NetworkConfiguration: req.network,
		ServiceRegistries:    req.registries,
		LoadBalancers:        req.loadBalancers,
	}
	if provider != "" {
		spec.CapacityProviderStrategy = req.strategy
		if len(spec.CapacityProviderStrategy) == 0 {
			spec.CapacityProviderStrategy = cl.DefaultCapacityProviderStrategy
		}
	}
	if spec.fargate() {
		if spec.PlatformVersion == "" {
			spec.PlatformVersion = "LATEST"
		}
	} else if spec.PlatformVersion != "" {
		return launchSpec{}, nil, invalidParameter("The platform version can only be specified for tasks using the Fargate launch type.")
	}
	if err := c.validateRegistries(ctx, &td.TaskDefinition, req.registries); err != nil {
		return launchSpec{}, nil, err
	}
	if err := c.validateLoadBalancers(ctx, &td.TaskDefinition, req.loadBalancers); err != nil {
		return launchSpec{}, nil, err
	}
	return spec, td, nil
}

// resolveLaunch picks a launch type or capacity provider as ECS does (the
// request's, else the cluster's default strategy, else FARGATE when the
// definition supports it, else EC2) and checks the network configuration
// against the definition's network mode. RunTask and CreateService share it.
func resolveLaunch(cl *Cluster, td *TaskDefinition, launchType string, strategy []CapacityProviderStrategyItem, nc *NetworkConfiguration) (string, string, error) {
	if launchType != "" && len(strategy) > 0 {
		return "", "", invalidParameter("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	provider := ""
	if err := checkStrategy(strategy, nonNil(cl.CapacityProviders)); err != nil {
		return "", "", err
	}
	if launchType == "" && len(strategy) == 0 {
		strategy = cl.DefaultCapacityProviderStrategy
	}
	switch {
	case len(strategy) > 0:
		provider = strategy[0].CapacityProvider
		if provider != "FARGATE" && provider != "FARGATE_SPOT" {
			return "", "", invalidParameter("The specified capacity provider %s does not exist.", provider)
		}
		launchType = ""
	case launchType == "" && contains(td.Compatibilities, "FARGATE"):
		launchType = "FARGATE"
	case launchType == "":
		launchType = "EC2"
	}
	fargate := launchType == "FARGATE" || provider != ""
	if fargate && !contains(td.Compatibilities, "FARGATE") {
		return "", "", invalidParameter("Task definition does not support launch_type FARGATE.")
	}
	if launchType != "" && launchType != "FARGATE" && launchType != "EC2" && launchType != "EXTERNAL" {
		return "", "", invalidParameter("Invalid launchType %q.", launchType)
	}
	if td.NetworkMode == "awsvpc" {
		if nc == nil || nc.AwsvpcConfiguration == nil {
			return "", "", invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
		}
		if len(nc.AwsvpcConfiguration.Subnets) == 0 {
			return "", "", invalidParameter("subnets can not be empty.")
		}
	} else if nc != nil {
		return "", "", invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.")
	}
	return launchType, provider, nil
}
