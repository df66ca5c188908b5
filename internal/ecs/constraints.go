package ecs

import (
	"github.com/portolan/portolan/internal/awsapi"
)

// Value sets several operations share.
var (
	launchTypes   = []string{"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"}
	propagateTags = []string{"TASK_DEFINITION", "SERVICE", "NONE"}
)

// constraints are the ECS model's value sets and ranges (awsapi.
// Constraint), of top-level members and of members one structure down,
// that operations check on the raw request before decoding it, where the
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
		awsapi.Enum("containerDefinitions[].versionConsistency", "enabled", "disabled"),
		awsapi.Enum("placementConstraints[].type", "memberOf"),
		awsapi.Enum("pidMode", "host", "task"),
		awsapi.Enum("ipcMode", "host", "task", "none"),
		awsapi.Enum("proxyConfiguration.type", "APPMESH"),
		awsapi.Enum("runtimePlatform.cpuArchitecture", "X86_64", "ARM64"),
		awsapi.Enum("runtimePlatform.operatingSystemFamily", "WINDOWS_SERVER_2019_FULL", "WINDOWS_SERVER_2019_CORE",
			"WINDOWS_SERVER_2016_FULL", "WINDOWS_SERVER_2004_CORE", "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2022_FULL",
			"WINDOWS_SERVER_2025_CORE", "WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_20H2_CORE", "LINUX"),
	},
	"RunTask": {awsapi.Enum("propagateTags", propagateTags...)},
	"UpdateService": {
		awsapi.Range("capacityProviderStrategy[].weight", 0, 1000),
		awsapi.Range("capacityProviderStrategy[].base", 0, 100000),
		awsapi.Enum("deploymentConfiguration.strategy", "ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"),
		awsapi.Enum("placementConstraints[].type", "distinctInstance", "memberOf"),
		awsapi.Enum("placementStrategy[].type", "random", "spread", "binpack"),
		awsapi.Enum("deploymentController.type", "ECS", "CODE_DEPLOY", "EXTERNAL"),
		awsapi.Enum("propagateTags", propagateTags...),
		awsapi.Enum("availabilityZoneRebalancing", "ENABLED", "DISABLED"),
	},
}

// checked is h behind the constraints of operation op.
func checked(op string, h awsapi.Handler) awsapi.Handler {
	return awsapi.Checked(constraints[op], h, func(clauses []string) error { return invalidParameter("%s", awsapi.ValidationMessage(clauses)) })
}
