package ecstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// WaitSteadyState replays the Terraform AWS provider's wait_for_steady_state
// for an ECS service created or updated at or after since
// (internal/service/ecs/service.go, statusServiceWaitForStable): it
// describes the service; if its PRIMARY deployment was created after
// since, it lists the service deployments created after since, takes the
// one whose target revision ARN contains the deployment's number
// (ecs-svc/<number>) and describes it until SUCCESSFUL, failing on
// STOPPED or ROLLBACK_* with the status reason; otherwise it waits for one
// deployment with runningCount == desiredCount. It returns the service
// deployment it followed ("" on the second path).
func WaitSteadyState(ctx context.Context, c *ecs.Client, cluster, service string, since time.Time, poll time.Duration) (string, error) {
	var deploymentARN string
	for {
		out, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err != nil {
			return "", err
		}
		if len(out.Services) != 1 {
			return "", fmt.Errorf("service %s not found: %v", service, out.Failures)
		}
		svc := out.Services[0]
		if s := aws.ToString(svc.Status); s != "ACTIVE" {
			return "", fmt.Errorf("service %s is %s", service, s)
		}
		var primary *types.Deployment
		for i, d := range svc.Deployments {
			if aws.ToString(d.Status) == "PRIMARY" {
				primary = &svc.Deployments[i]
			}
		}
		if primary != nil && primary.CreatedAt != nil && primary.CreatedAt.After(since) {
			if deploymentARN == "" {
				if deploymentARN, err = matchingDeployment(ctx, c, cluster, aws.ToString(svc.ServiceName), primary, since); err != nil {
					return "", err
				}
			}
			if deploymentARN != "" {
				done, err := deploymentDone(ctx, c, deploymentARN)
				if done || err != nil {
					return deploymentARN, err
				}
			}
		} else if len(svc.Deployments) == 1 && svc.DesiredCount == svc.RunningCount {
			return "", nil
		}
		select {
		case <-ctx.Done():
			return deploymentARN, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// matchingDeployment finds the service deployment of the PRIMARY
// deployment as the provider does: by the task set's number in the target
// revision's ARN.
func matchingDeployment(ctx context.Context, c *ecs.Client, cluster, service string, primary *types.Deployment, since time.Time) (string, error) {
	parts := strings.Split(aws.ToString(primary.Id), "/")
	if len(parts) < 2 {
		return "", fmt.Errorf("invalid primary task set ID format: %s", aws.ToString(primary.Id))
	}
	in := &ecs.ListServiceDeploymentsInput{
		Cluster: aws.String(cluster), Service: aws.String(service), CreatedAt: &types.CreatedAt{After: aws.Time(since)},
	}
	for {
		page, err := c.ListServiceDeployments(ctx, in)
		if err != nil {
			return "", err
		}
		for _, d := range page.ServiceDeployments {
			if strings.Contains(aws.ToString(d.TargetServiceRevisionArn), parts[1]) {
				return aws.ToString(d.ServiceDeploymentArn), nil
			}
		}
		if page.NextToken == nil {
			return "", nil
		}
		in.NextToken = page.NextToken
	}
}

func deploymentDone(ctx context.Context, c *ecs.Client, arn string) (bool, error) {
	out, err := c.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
	if err != nil || len(out.ServiceDeployments) == 0 {
		return false, err
	}
	d := out.ServiceDeployments[0]
	switch d.Status {
	case types.ServiceDeploymentStatusSuccessful:
		return true, nil
	case types.ServiceDeploymentStatusStopped, types.ServiceDeploymentStatusRollbackFailed, types.ServiceDeploymentStatusRollbackSuccessful:
		msg := "Deployment failed"
		if d.StatusReason != nil {
			msg = *d.StatusReason
		}
		return true, &DeploymentFailed{Status: d.Status, Reason: msg}
	}
	return false, nil
}

// DeploymentFailed is the error WaitSteadyState returns for a service
// deployment that ended other than SUCCESSFUL.
type DeploymentFailed struct {
	Status types.ServiceDeploymentStatus
	Reason string
}

func (e *DeploymentFailed) Error() string { return string(e.Status) + ": " + e.Reason }

// IsDeploymentFailed reports whether err is a DeploymentFailed.
func IsDeploymentFailed(err error) (*DeploymentFailed, bool) {
	var f *DeploymentFailed
	ok := errors.As(err, &f)
	return f, ok
}
