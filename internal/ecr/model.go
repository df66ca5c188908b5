package ecr

import (
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
)

// Tag mutability settings and the tag statuses of filters and lifecycle rules.
const (
	Mutable   = "MUTABLE"
	Immutable = "IMMUTABLE"

	TagStatusTagged   = "TAGGED"
	TagStatusUntagged = "UNTAGGED"
	TagStatusAny      = "ANY"
)

// Repository is the API's Repository shape.
type Repository struct {
	RepositoryArn              string                     `json:"repositoryArn"`
	RegistryId                 string                     `json:"registryId"`
	RepositoryName             string                     `json:"repositoryName"`
	RepositoryUri              string                     `json:"repositoryUri"`
	CreatedAt                  awsapi.Timestamp           `json:"createdAt"`
	ImageTagMutability         string                     `json:"imageTagMutability"`
	ImageScanningConfiguration ImageScanningConfiguration `json:"imageScanningConfiguration"`
	EncryptionConfiguration    EncryptionConfiguration    `json:"encryptionConfiguration"`
}

type ImageScanningConfiguration struct {
	ScanOnPush bool `json:"scanOnPush"`
}

type EncryptionConfiguration struct {
	EncryptionType string `json:"encryptionType"`
	KmsKey         string `json:"kmsKey,omitempty"`
}

// Tag is ECR's tag shape (capitalised, unlike the rest of its members).
type Tag struct {
	Key   string
	Value string
}

// ImageIdentifier names an image by digest, by tag, or both.
type ImageIdentifier struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

// ImageDetail is DescribeImages' description of one image.
type ImageDetail struct {
	RegistryId             string           `json:"registryId"`
	RepositoryName         string           `json:"repositoryName"`
	ImageDigest            string           `json:"imageDigest"`
	ImageTags              []string         `json:"imageTags,omitempty"`
	ImageSizeInBytes       int64            `json:"imageSizeInBytes"`
	ImagePushedAt          awsapi.Timestamp `json:"imagePushedAt"`
	ImageManifestMediaType string           `json:"imageManifestMediaType,omitempty"`
	ArtifactMediaType      string           `json:"artifactMediaType,omitempty"`
}

// Image is BatchGetImage's image: its manifest.
type Image struct {
	RegistryId             string          `json:"registryId"`
	RepositoryName         string          `json:"repositoryName"`
	ImageId                ImageIdentifier `json:"imageId"`
	ImageManifest          string          `json:"imageManifest"`
	ImageManifestMediaType string          `json:"imageManifestMediaType,omitempty"`
}

// ImageFailure is why one image of a batch was not found or not deleted.
type ImageFailure struct {
	ImageId       ImageIdentifier `json:"imageId"`
	FailureCode   string          `json:"failureCode"`
	FailureReason string          `json:"failureReason"`
}

// repoRecord is what the store holds for a repository: the repository,
// its tags and lifecycle policy, and every image pushed to it.
type repoRecord struct {
	Repository
	Tags                 []Tag             `json:",omitempty"`
	LifecyclePolicyText  string            `json:",omitempty"`
	LifecycleEvaluatedAt *awsapi.Timestamp `json:",omitempty"`
	Preview              *lifecyclePreview `json:",omitempty"`
	// Images are in push order, oldest first.
	Images []imageRecord `json:",omitempty"`
}

// imageRecord is one image (one manifest) of a repository.
type imageRecord struct {
	Digest            string
	Tags              []string `json:",omitempty"`
	Size              int64
	PushedAt          awsapi.Timestamp
	MediaType         string
	ArtifactMediaType string `json:",omitempty"`
	Manifest          string
}

// image returns the image with digest, or nil.
func (r *repoRecord) image(digest string) *imageRecord {
	for i := range r.Images {
		if r.Images[i].Digest == digest {
			return &r.Images[i]
		}
	}
	return nil
}

// tagged returns the image carrying tag, or nil.
func (r *repoRecord) tagged(tag string) *imageRecord {
	for i := range r.Images {
		if slices.Contains(r.Images[i].Tags, tag) {
			return &r.Images[i]
		}
	}
	return nil
}

// find resolves an identifier as ECR does: by digest (and then the tag,
// if given, must be one of its tags), else by tag.
func (r *repoRecord) find(id ImageIdentifier) *imageRecord {
	if id.ImageDigest != "" {
		img := r.image(id.ImageDigest)
		if img != nil && id.ImageTag != "" && !slices.Contains(img.Tags, id.ImageTag) {
			return nil
		}
		return img
	}
	return r.tagged(id.ImageTag)
}

// clone is a copy whose image list a transaction may change.
func (r *repoRecord) clone() *repoRecord {
	c := *r
	c.Tags = slices.Clone(r.Tags)
	c.Images = make([]imageRecord, len(r.Images))
	for i, img := range r.Images {
		img.Tags = slices.Clone(img.Tags)
		c.Images[i] = img
	}
	return &c
}
