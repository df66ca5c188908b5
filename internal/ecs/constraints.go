package ecs

import (
	"context"

	"github.com/portolan/portolan/internal/awsapi"
)

// Value sets several operations share.
var (
	launchTypes   = []string{"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"}
	propagateTags = []string{"TASK_DEFINITION", "SERVICE", "NONE"}
)

// constraints are the ECS model's value sets (awsapi.Constraint) that
// operations check on the raw request before decoding it, where the
// operation's own code does not check them already. ECS answers a value
// outside a set with InvalidParameterException in AWS's framework words.
var constraints = map[string][]awsapi.Constraint{
	"ListServices": {
		awsapi.Enum("launchType", launchTypes...),
		awsapi.Enum("schedulingStrategy", "REPLICA", "DAEMON"),
		awsapi.Enum("resourceManagementType", "CUSTOMER", "ECS"),
	},
	"ListTasks":                  {awsapi.Enum("launchType", launchTypes...)},
	"ListTaskDefinitionFamilies": {awsapi.Enum("status", "ACTIVE", "INACTIVE", "ALL")},
	"ListTaskDefinitions":        {awsapi.Enum("sort", "ASC", "DESC")},
	"RegisterTaskDefinition": {
		awsapi.Enum("pidMode", "host", "task"),
		awsapi.Enum("ipcMode", "host", "task", "none"),
	},
	"RunTask": {awsapi.Enum("propagateTags", propagateTags...)},
	"UpdateService": {
		awsapi.Enum("propagateTags", propagateTags...),
		awsapi.Enum("availabilityZoneRebalancing", "ENABLED", "DISABLED"),
	},
}

// checked is h behind the constraints of operation op: a request that
// breaks any is refused, every broken rule named, before h looks
// anything up.
func checked(op string, h awsapi.Handler) awsapi.Handler {
	rules := constraints[op]
	if len(rules) == 0 {
		return h
	}
	return func(ctx context.Context, body []byte) (any, error) {
		if clauses := awsapi.JSONViolations(body, rules); len(clauses) > 0 {
			return nil, invalidParameter("%s", awsapi.ValidationMessage(clauses))
		}
		return h(ctx, body)
	}
}
