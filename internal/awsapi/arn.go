package awsapi

import "strings"

// ARN builds an ARN in the aws partition.
func ARN(service, region, account, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}

// ParsedARN is an Amazon Resource Name taken apart:
// arn:partition:service:region:account:resource.
type ParsedARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits s into its six parts; ok is false when s is not an ARN.
// The resource part keeps any further colons (task-definition/web:3).
func ParseARN(s string) (a ParsedARN, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ParsedARN{}, false
	}
	return ParsedARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, true
}

// IsARN reports whether s is meant as an ARN rather than a name or an id,
// as AWS decides for parameters that take either: by its prefix.
func IsARN(s string) bool { return strings.HasPrefix(s, "arn:") }

func (a ParsedARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// Typed splits the resource part at its first slash, the form most
// services use (service/srv-1, cluster/default, task/default/abc):
// typ is "service", rest is what follows. ok is false without a slash.
func (a ParsedARN) Typed() (typ, rest string, ok bool) { return strings.Cut(a.Resource, "/") }

// ResourceOf returns what follows "typ/" in s when s is an ARN of service
// whose resource is of that type: ResourceOf(arn, "ecs", "task") is
// "cluster/id" for arn:aws:ecs:…:task/cluster/id.
func ResourceOf(s, service, typ string) (string, bool) {
	a, ok := ParseARN(s)
	if !ok || a.Service != service {
		return "", false
	}
	t, rest, ok := a.Typed()
	if !ok || t != typ {
		return "", false
	}
	return rest, true
}

// IAMRoleARN is the ARN of a role in account (name may carry a path).
func IAMRoleARN(account, name string) string { return ARN("iam", "", account, "role/"+name) }

// AccountRootARN is the principal AWS reports for calls made by an account
// itself (ECS's createdBy, registeredBy).
func AccountRootARN(account string) string { return ARN("iam", "", account, "root") }

// IsServiceARN reports whether s starts as an ARN of service in the aws
// partition (the one ARN builds), whatever follows: the test a service
// makes to tell "an ARN of mine that names nothing" (a not-found error)
// from "not my ARN at all" (a validation error), even for a truncated one.
func IsServiceARN(s, service string) bool { return strings.HasPrefix(s, "arn:aws:"+service+":") }
