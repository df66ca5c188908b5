package ecr

import "github.com/portolan/portolan/internal/awsapi"

// TargetPrefix is ECR's X-Amz-Target prefix.
const TargetPrefix = "AmazonEC2ContainerRegistry_V20150921"

// Register serves every ECR operation on mux.
func (c *Control) Register(mux *awsapi.Mux) {
	s := awsapi.NewJSONService(TargetPrefix, "message")
	s.Handle("CreateRepository", awsapi.Op(c.CreateRepository))
	s.Handle("DescribeRepositories", awsapi.Op(c.DescribeRepositories))
	s.Handle("DeleteRepository", awsapi.Op(c.DeleteRepository))
	s.Handle("PutImageTagMutability", awsapi.Op(c.PutImageTagMutability))
	s.Handle("PutImageScanningConfiguration", awsapi.Op(c.PutImageScanningConfiguration))
	s.Handle("GetAuthorizationToken", awsapi.Op(c.GetAuthorizationToken))
	s.Handle("DescribeImages", awsapi.Op(c.DescribeImages))
	s.Handle("ListImages", awsapi.Op(c.ListImages))
	s.Handle("BatchGetImage", awsapi.Op(c.BatchGetImage))
	s.Handle("BatchDeleteImage", awsapi.Op(c.BatchDeleteImage))
	s.Handle("PutImage", awsapi.Op(c.PutImage))
	s.Handle("PutLifecyclePolicy", awsapi.Op(c.PutLifecyclePolicy))
	s.Handle("GetLifecyclePolicy", awsapi.Op(c.GetLifecyclePolicy))
	s.Handle("DeleteLifecyclePolicy", awsapi.Op(c.DeleteLifecyclePolicy))
	s.Handle("StartLifecyclePolicyPreview", awsapi.Op(c.StartLifecyclePolicyPreview))
	s.Handle("GetLifecyclePolicyPreview", awsapi.Op(c.GetLifecyclePolicyPreview))
	s.Handle("TagResource", awsapi.Op(c.TagResource))
	s.Handle("UntagResource", awsapi.Op(c.UntagResource))
	s.Handle("ListTagsForResource", awsapi.Op(c.ListTagsForResource))
	mux.AddJSON(s)
}
