// Package ecr is Amazon Elastic Container Registry's control plane
// (awsJson1_1, AmazonEC2ContainerRegistry_V20150921.<Op>): repositories,
// the images pushed to them, lifecycle policies, authorization tokens.
//
// The images themselves (blobs, manifests) are held by the registry data
// plane (package ecr/registry), which serves the Docker/OCI distribution
// API. What ECR says about an image (its digest, tags, size, push time,
// manifest) is written here when the registry accepts a manifest
// (RecordPush), in the repository's one record, so a tag moving from one
// image to another, a lifecycle expiry or a BatchDeleteImage is one store
// transaction. The registry resolves tags through this package's view, so
// what DescribeImages shows is exactly what can be pulled.
//
// Lifecycle policies are enforced by Run: after every change to a
// repository and whenever a sinceImagePushed rule next expires an image,
// the policy is evaluated as ECR does (rules in rulePriority order, each
// image expired by at most one rule) and the expired images are deleted.
//
// Files: service.go, keys.go, errors.go, model.go, api.go,
// repositories.go, images.go, push.go (what the registry records),
// auth.go (GetAuthorizationToken and its verification), lifecycle.go (the
// policy language), lifecyclepolicies.go (its operations and enforcement),
// lifecyclepreview.go (Start/GetLifecyclePolicyPreview),
// tags.go, view.go.
package ecr
