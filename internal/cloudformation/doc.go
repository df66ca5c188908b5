// Package cloudformation is the CloudFormation API (awsQuery, Version
// 2010-05-15) over the stack engine in package stack: what `aws
// cloudformation deploy`, create-stack and the waiters, the CDK, SAM and
// `portolan deploy` call.
//
// An operation that changes a stack (CreateStack, UpdateStack,
// DeleteStack, ExecuteChangeSet) validates what can be validated without
// creating anything, records the request, answers, and runs the engine in
// the background, in a goroutine Control.Run owns: as on AWS, clients
// follow it with DescribeStacks and DescribeStackEvents. The engine keeps
// each stack's deployed state (its resources, outputs and status, under
// the engine's own keys); this package keeps what the API adds: the
// templates, the stack settings (tags, capabilities, termination
// protection, policies), the events as AWS lists them, change sets, and
// deleted stacks, which ListStacks shows for 90 days.
//
// The files follow every service's skeleton (docs/architecture.md):
// service.go, keys.go, errors.go, model.go, api.go, then one file per
// resource: stacks.go, operations.go (the background runner), events.go,
// resources.go, changesets.go, exports.go, templates.go.
package cloudformation
