package cloudmap

import (
	"github.com/portolan/portolan/internal/awsapi"
)

// Rules of the Cloud Map model shared by several operations.
var (
	pageSize     = awsapi.Range("MaxResults", 1, 100)
	nextToken    = awsapi.Length("NextToken", awsapi.NoLimit, 4096)
	ownerAccount = awsapi.Length("OwnerAccount", 12, 12) // an account id
	instanceID   = awsapi.Length("InstanceId", awsapi.NoLimit, 64)
)

// constraints are the Cloud Map model's rules (awsapi.Constraint) that
// operations check on the raw request before decoding it, where the
// operation's own code does not check them already (names, ids and TTLs
// are checked there). A raw body tells MaxResults 0 from MaxResults left
// out, which the decoded input cannot. Cloud Map answers InvalidInput.
var constraints = map[string][]awsapi.Constraint{
	"CreatePrivateDnsNamespace":        {awsapi.Length("Vpc", awsapi.NoLimit, 64)},
	"CreateService":                    {awsapi.Range("HealthCheckCustomConfig.FailureThreshold", 1, 10)},
	"ListNamespaces":                   {pageSize},
	"ListServices":                     {pageSize},
	"ListOperations":                   {pageSize},
	"ListInstances":                    {nextToken, pageSize},
	"GetInstancesHealthStatus":         {pageSize, nextToken},
	"GetInstance":                      {instanceID},
	"DeregisterInstance":               {instanceID},
	"UpdateInstanceCustomHealthStatus": {instanceID},
	"DiscoverInstances":                {awsapi.Length("NamespaceName", awsapi.NoLimit, 1024), ownerAccount},
	"DiscoverInstancesRevision":        {awsapi.Length("NamespaceName", awsapi.NoLimit, 1024), ownerAccount},
	"GetOperation":                     {ownerAccount},
}

// checked is h behind the constraints of operation op.
func checked(op string, h awsapi.Handler) awsapi.Handler {
	return awsapi.Checked(constraints[op], h, func(clauses []string) error { return invalidInput("%s", awsapi.ValidationMessage(clauses)) })
}
