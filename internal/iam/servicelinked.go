package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// serviceLinkedRoles are the services whose service-linked roles Portolan
// makes, with the role names AWS gives them (CustomSuffix only where AWS
// allows one: the Application Auto Scaling family).
var serviceLinkedRoles = map[string]string{
	"ecs.amazonaws.com":                              "AWSServiceRoleForECS",
	"ecs.application-autoscaling.amazonaws.com":      "AWSServiceRoleForApplicationAutoScaling_ECSService",
	"dynamodb.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
	"elasticloadbalancing.amazonaws.com":             "AWSServiceRoleForElasticLoadBalancing",
	"autoscaling.amazonaws.com":                      "AWSServiceRoleForAutoScaling",
	"ops.apigateway.amazonaws.com":                   "AWSServiceRoleForAPIGateway",
	"servicediscovery.amazonaws.com":                 "AWSServiceRoleForServiceDiscovery",
	"rds.amazonaws.com":                              "AWSServiceRoleForRDS",
}

type CreateServiceLinkedRoleInput struct {
	AWSServiceName string
	Description    string
	CustomSuffix   string
}

// CreateServiceLinkedRole makes the role a service uses on the caller's
// behalf, trusting that service, under /aws-service-role/SERVICE/.
func (c *Control) CreateServiceLinkedRole(ctx context.Context, in *CreateServiceLinkedRoleInput) (*RoleOutput, error) {
	if in.AWSServiceName == "" {
		return nil, missing("aWSServiceName")
	}
	name, ok := serviceLinkedRoles[in.AWSServiceName]
	if !ok {
		return nil, ErrInvalidInput.Newf("Portolan does not know the service-linked role of %s.", in.AWSServiceName)
	}
	if in.CustomSuffix != "" {
		if !strings.Contains(in.AWSServiceName, "application-autoscaling") {
			return nil, ErrInvalidInput.Newf("Custom suffix is not allowed for %s", in.AWSServiceName)
		}
		name += "_" + in.CustomSuffix
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[%q]},"Action":["sts:AssumeRole"]}]}`, in.AWSServiceName)
	out, err := c.CreateRole(ctx, &CreateRoleInput{RoleName: name, Path: "/aws-service-role/" + in.AWSServiceName + "/",
		AssumeRolePolicyDocument: trust, Description: in.Description})
	if errors.Is(err, ErrEntityAlreadyExists) {
		return nil, ErrInvalidInput.Newf("Service role name %s has been taken in this account, please try a different suffix.", name)
	}
	return out, err
}

type DeleteServiceLinkedRoleOutput struct{ DeletionTaskId string }

// DeleteServiceLinkedRole deletes a service-linked role at once; the task
// it answers with has already succeeded.
func (c *Control) DeleteServiceLinkedRole(ctx context.Context, in *RoleNameInput) (*DeleteServiceLinkedRoleOutput, error) {
	role, _, err := c.role(ctx, in.RoleName)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(role.Path, "/aws-service-role/") {
		return nil, ErrInvalidInput.Newf("Role %s is not a service-linked role.", in.RoleName)
	}
	if _, err := c.DeleteRole(ctx, in); err != nil {
		return nil, err
	}
	return &DeleteServiceLinkedRoleOutput{DeletionTaskId: "task" + role.Path + role.RoleName + "/" + awsapi.NewUUID()}, nil
}

type DeletionTaskInput struct{ DeletionTaskId string }

type DeletionStatusOutput struct{ Status string }

// GetServiceLinkedRoleDeletionStatus: every deletion here has finished.
func (c *Control) GetServiceLinkedRoleDeletionStatus(ctx context.Context, in *DeletionTaskInput) (*DeletionStatusOutput, error) {
	if !strings.HasPrefix(in.DeletionTaskId, "task/aws-service-role/") {
		return nil, ErrNoSuchEntity.Newf("The deletion task %s cannot be found.", in.DeletionTaskId)
	}
	return &DeletionStatusOutput{Status: "SUCCEEDED"}, nil
}
