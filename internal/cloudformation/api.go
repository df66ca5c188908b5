package cloudformation

import "github.com/portolan/portolan/internal/awsapi"

// Version is the API version clients send (Version=2010-05-15).
const Version = "2010-05-15"

// Namespace is the xmlns of every answer.
const Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// Register serves every CloudFormation operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewQueryService(Version, Namespace)
	// Stacks (stacks.go, stacksettings.go, operations.go)
	s.Handle("CreateStack", awsapi.QueryOp(c.CreateStack))
	s.Handle("UpdateStack", awsapi.QueryOp(c.UpdateStack))
	s.Handle("DeleteStack", awsapi.QueryOp(c.DeleteStack))
	s.Handle("DescribeStacks", awsapi.QueryOp(c.DescribeStacks))
	s.Handle("ListStacks", awsapi.QueryOp(c.ListStacks))
	s.Handle("UpdateTerminationProtection", awsapi.QueryOp(c.UpdateTerminationProtection))
	s.Handle("SetStackPolicy", awsapi.QueryOp(c.SetStackPolicy))
	s.Handle("GetStackPolicy", awsapi.QueryOp(c.GetStackPolicy))
	s.Handle("CancelUpdateStack", awsapi.QueryOp(c.CancelUpdateStack))
	s.Handle("ContinueUpdateRollback", awsapi.QueryOp(c.ContinueUpdateRollback))
	// Events and resources (events.go, resources.go)
	s.Handle("DescribeStackEvents", awsapi.QueryOp(c.DescribeStackEvents))
	s.Handle("DescribeStackResource", awsapi.QueryOp(c.DescribeStackResource))
	s.Handle("DescribeStackResources", awsapi.QueryOp(c.DescribeStackResources))
	s.Handle("ListStackResources", awsapi.QueryOp(c.ListStackResources))
	// Templates (templates.go)
	s.Handle("GetTemplate", awsapi.QueryOp(c.GetTemplate))
	s.Handle("GetTemplateSummary", awsapi.QueryOp(c.GetTemplateSummary))
	s.Handle("ValidateTemplate", awsapi.QueryOp(c.ValidateTemplate))
	// Change sets (changesets.go)
	s.Handle("CreateChangeSet", awsapi.QueryOp(c.CreateChangeSet))
	s.Handle("DescribeChangeSet", awsapi.QueryOp(c.DescribeChangeSet))
	s.Handle("ExecuteChangeSet", awsapi.QueryOp(c.ExecuteChangeSet))
	s.Handle("DeleteChangeSet", awsapi.QueryOp(c.DeleteChangeSet))
	s.Handle("ListChangeSets", awsapi.QueryOp(c.ListChangeSets))
	// Exports (exports.go)
	s.Handle("ListExports", awsapi.QueryOp(c.ListExports))
	s.Handle("ListImports", awsapi.QueryOp(c.ListImports))
	mux.AddQuery(s)
}
