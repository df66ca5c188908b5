package ecs

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/elbv2"
)

// LoadBalancing is what ECS needs of Elastic Load Balancing v2 for
// services with loadBalancers: the API validates their target groups, the
// scheduler reads their targets' health, and ecs/loadbalancing registers
// and deregisters tasks. *elbv2.Control implements it.
type LoadBalancing interface {
	DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error)
	RegisterTargets(ctx context.Context, in *elbv2.RegisterTargetsInput) (*elbv2.RegisterTargetsOutput, error)
	DeregisterTargets(ctx context.Context, in *elbv2.DeregisterTargetsInput) (*elbv2.DeregisterTargetsOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error)
}

// maxLoadBalancers is how many target groups a service may attach (ECS's
// quota "Target groups per service").
const maxLoadBalancers = 5

// validateLoadBalancers checks loadBalancers as CreateService and
// UpdateService do: target groups that exist behind a load balancer, of
// target type ip under awsvpc, and a container and port the task
// definition has.
func (c *Control) validateLoadBalancers(ctx context.Context, td *TaskDefinition, lbs []LoadBalancer) error {
	if len(lbs) == 0 {
		return nil
	}
	if c.cfg.LoadBalancing == nil {
		return notSupported("loadBalancers (Elastic Load Balancing is not running in this server)")
	}
	if len(lbs) > maxLoadBalancers {
		return invalidParameter("loadBalancers can contain at most %d target groups.", maxLoadBalancers)
	}
	seen := map[string]bool{}
	for _, lb := range lbs {
		if lb.LoadBalancerName != "" {
			return notSupported("Classic Load Balancers (loadBalancerName)")
		}
		if lb.TargetGroupArn == "" {
			return invalidParameter("targetGroupArn is required in loadBalancers.")
		}
		if lb.ContainerName == "" || lb.ContainerPort == nil {
			return invalidParameter("containerName and containerPort are required in loadBalancers.")
		}
		k := lb.TargetGroupArn + "/" + lb.ContainerName + "/" + strconv.Itoa(*lb.ContainerPort)
		if seen[k] {
			return invalidParameter("loadBalancers contains target group %s with container %s and port %d more than once.", lb.TargetGroupArn, lb.ContainerName, *lb.ContainerPort)
		}
		seen[k] = true
		out, err := c.cfg.LoadBalancing.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{lb.TargetGroupArn}})
		if errors.Is(err, elbv2.ErrTargetGroupNotFound) || errors.Is(err, elbv2.ErrValidation) || (err == nil && len(out.TargetGroups) == 0) {
			return invalidParameter("Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.")
		} else if err != nil {
			return err
		}
		tg := out.TargetGroups[0]
		if td.NetworkMode == "awsvpc" && tg.TargetType != elbv2.TargetTypeIP {
			return invalidParameter("The provided target group %s has target type %s, which is incompatible with the awsvpc network mode specified in the task definition.", lb.TargetGroupArn, tg.TargetType)
		}
		if len(tg.LoadBalancerArns) == 0 {
			return invalidParameter("The target group with targetGroupArn %s does not have an associated load balancer.", lb.TargetGroupArn)
		}
		if !hasContainer(td, lb.ContainerName) {
			return invalidParameter("The container %s does not exist in the task definition.", lb.ContainerName)
		}
		if !mapsPort(td, lb.ContainerName, *lb.ContainerPort) {
			return invalidParameter("The container %s did not have a container port %d defined.", lb.ContainerName, *lb.ContainerPort)
		}
	}
	return nil
}

func hasContainer(td *TaskDefinition, name string) bool {
	for _, cd := range td.ContainerDefinitions {
		if cd.Name == name {
			return true
		}
	}
	return false
}

// TargetOf is the target a task is registered as for one of its load
// balancers: its address and the container port's host port (the
// container port itself under awsvpc; a port of its own in the process
// runtime's ports mode, as ECS registers hostPort in bridge mode).
func TargetOf(st *TaskStatus, lb LoadBalancer) elbv2.TargetDescription {
	port := int32(st.HostPort(lb.ContainerName, *lb.ContainerPort))
	return elbv2.TargetDescription{Id: st.Address, Port: &port}
}

// The health a task's targets add up to, for the scheduler.
const (
	elbPending   = ""          // not every target has a verdict yet
	elbHealthy   = "healthy"   // every target is healthy
	elbUnhealthy = "unhealthy" // some target is unhealthy
)

// elbHealth is what the load balancers say of a task.
type elbHealth struct {
	state string
	// targetGroup is the ARN of a group where the task is unhealthy.
	targetGroup string
}

// reasonELBUnhealthy is the stoppedReason of a task replaced because a
// target group found it unhealthy (ECS: "Task failed ELB health checks in
// (target-group …)"); failedAt matches the prefix.
const reasonELBUnhealthy = "Task failed ELB health checks"

// targetHealth reads, once per target group, the health of the targets of
// the running tasks that have load balancers, and says what it adds up to
// for each (keyed by task id). A group that cannot be read leaves its
// tasks pending: they count as healthy for nothing, and are not replaced.
func (c *Control) targetHealth(ctx context.Context, views []taskView) map[string]elbHealth {
	if c.cfg.LoadBalancing == nil {
		return nil
	}
	states := map[string]map[string]string{} // target group → ip:port → state
	for _, v := range views {
		if !v.running() || v.st == nil || v.st.Address == "" {
			continue
		}
		for _, lb := range v.rec.LoadBalancers {
			if _, ok := states[lb.TargetGroupArn]; ok {
				continue
			}
			m := map[string]string{}
			states[lb.TargetGroupArn] = m
			out, err := c.cfg.LoadBalancing.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: lb.TargetGroupArn})
			if err != nil {
				continue
			}
			for _, d := range out.TargetHealthDescriptions {
				if d.Target.Port != nil {
					m[net.JoinHostPort(d.Target.Id, strconv.Itoa(int(*d.Target.Port)))] = d.TargetHealth.State
				}
			}
		}
	}
	out := map[string]elbHealth{}
	for _, v := range views {
		if len(v.rec.LoadBalancers) == 0 || !v.running() || v.st == nil || v.st.Address == "" {
			continue
		}
		h := elbHealth{state: elbHealthy}
		for _, lb := range v.rec.LoadBalancers {
			switch states[lb.TargetGroupArn][net.JoinHostPort(v.st.Address, strconv.Itoa(v.st.HostPort(lb.ContainerName, *lb.ContainerPort)))] {
			case elbv2.HealthHealthy:
			case elbv2.HealthUnhealthy:
				h = elbHealth{state: elbUnhealthy, targetGroup: lb.TargetGroupArn}
			default:
				if h.state == elbHealthy {
					h.state = elbPending
				}
			}
			if h.state == elbUnhealthy {
				break
			}
		}
		out[v.rec.TaskID] = h
	}
	return out
}

// failedELB says whether a stoppedReason is the scheduler's replacement
// of a task that failed its load balancer health checks.
func failedELB(reason string) bool { return strings.HasPrefix(reason, reasonELBUnhealthy) }
