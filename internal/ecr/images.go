package ecr

import (
	"context"
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
)

// DescribeImagesFilter narrows DescribeImages and ListImages by tag status.
type DescribeImagesFilter struct {
	TagStatus string `json:"tagStatus"`
}

func (f *DescribeImagesFilter) check() error {
	if f == nil {
		return nil
	}
	switch f.TagStatus {
	case "", TagStatusAny, TagStatusTagged, TagStatusUntagged:
		return nil
	}
	return constraint("filter.tagStatus", "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]")
}

// keeps says whether a (checked) filter keeps an image.
func (f *DescribeImagesFilter) keeps(img *imageRecord) bool {
	switch {
	case f == nil:
		return true
	case f.TagStatus == TagStatusTagged:
		return len(img.Tags) > 0
	case f.TagStatus == TagStatusUntagged:
		return len(img.Tags) == 0
	}
	return true
}

type DescribeImagesInput struct {
	RegistryId     string
	RepositoryName string
	ImageIds       []ImageIdentifier
	Filter         *DescribeImagesFilter
	NextToken      string
	MaxResults     *int
}

type DescribeImagesOutput struct {
	ImageDetails []ImageDetail `json:"imageDetails"`
	NextToken    *string       `json:"nextToken,omitempty"`
}

func (c *Control) detail(r *repoRecord, img *imageRecord) ImageDetail {
	return ImageDetail{RegistryId: c.cfg.AccountID, RepositoryName: r.RepositoryName, ImageDigest: img.Digest, ImageTags: slices.Clone(img.Tags),
		ImageSizeInBytes: img.Size, ImagePushedAt: img.PushedAt, ImageManifestMediaType: img.MediaType, ArtifactMediaType: img.ArtifactMediaType}
}

func (c *Control) DescribeImages(ctx context.Context, in *DescribeImagesInput) (*DescribeImagesOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if err := in.Filter.check(); err != nil {
		return nil, err
	}
	var all []ImageDetail
	if len(in.ImageIds) > 0 {
		if in.NextToken != "" || in.MaxResults != nil {
			return nil, invalidParameter("Cannot specify imageIds together with nextToken or maxResults")
		}
		for _, id := range in.ImageIds {
			img := r.find(id)
			if img == nil {
				return nil, c.imageNotFound(r.RepositoryName, id)
			}
			if !slices.ContainsFunc(all, func(d ImageDetail) bool { return d.ImageDigest == img.Digest }) {
				all = append(all, c.detail(r, img))
			}
		}
		return &DescribeImagesOutput{ImageDetails: all}, nil
	}
	for i := range r.Images {
		if in.Filter.keeps(&r.Images[i]) {
			all = append(all, c.detail(r, &r.Images[i]))
		}
	}
	page, next, err := awsapi.PaginateByPosition(pager, all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []ImageDetail{}
	}
	return &DescribeImagesOutput{ImageDetails: page, NextToken: awsapi.StringPtr(next)}, nil
}

type ListImagesInput struct {
	RegistryId     string
	RepositoryName string
	Filter         *DescribeImagesFilter
	NextToken      string
	MaxResults     *int
}

type ListImagesOutput struct {
	ImageIds  []ImageIdentifier `json:"imageIds"`
	NextToken *string           `json:"nextToken,omitempty"`
}

// ListImages lists one identifier per tag, and the digest alone of each
// untagged image.
func (c *Control) ListImages(ctx context.Context, in *ListImagesInput) (*ListImagesOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if err := in.Filter.check(); err != nil {
		return nil, err
	}
	var all []ImageIdentifier
	for i := range r.Images {
		img := &r.Images[i]
		if !in.Filter.keeps(img) {
			continue
		}
		if len(img.Tags) == 0 {
			all = append(all, ImageIdentifier{ImageDigest: img.Digest})
		}
		for _, t := range img.Tags {
			all = append(all, ImageIdentifier{ImageDigest: img.Digest, ImageTag: t})
		}
	}
	page, next, err := awsapi.PaginateByPosition(pager, all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []ImageIdentifier{}
	}
	return &ListImagesOutput{ImageIds: page, NextToken: awsapi.StringPtr(next)}, nil
}

type BatchGetImageInput struct {
	RegistryId         string
	RepositoryName     string
	ImageIds           []ImageIdentifier
	AcceptedMediaTypes []string
}

type BatchGetImageOutput struct {
	Images   []Image        `json:"images"`
	Failures []ImageFailure `json:"failures"`
}

// missingIDFailure is the failure of an identifier with neither member.
func missingIDFailure(id ImageIdentifier) ImageFailure {
	return ImageFailure{ImageId: id, FailureCode: "MissingDigestAndTag", FailureReason: "Invalid request parameters: both tag and digest cannot be null"}
}

func notFoundFailure(id ImageIdentifier) ImageFailure {
	return ImageFailure{ImageId: id, FailureCode: "ImageNotFound", FailureReason: "Requested image not found"}
}

func checkImageIDs(ids []ImageIdentifier) error {
	if len(ids) < 1 || len(ids) > 100 {
		return constraint("imageIds", "Member must have length less than or equal to 100 and greater than or equal to 1")
	}
	return nil
}

func (c *Control) BatchGetImage(ctx context.Context, in *BatchGetImageInput) (*BatchGetImageOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if err := checkImageIDs(in.ImageIds); err != nil {
		return nil, err
	}
	out := &BatchGetImageOutput{Images: []Image{}, Failures: []ImageFailure{}}
	for _, id := range in.ImageIds {
		if id.ImageDigest == "" && id.ImageTag == "" {
			out.Failures = append(out.Failures, missingIDFailure(id))
			continue
		}
		img := r.find(id)
		if img == nil {
			out.Failures = append(out.Failures, notFoundFailure(id))
			continue
		}
		got := ImageIdentifier{ImageDigest: img.Digest, ImageTag: id.ImageTag}
		out.Images = append(out.Images, Image{RegistryId: c.cfg.AccountID, RepositoryName: r.RepositoryName, ImageId: got,
			ImageManifest: img.Manifest, ImageManifestMediaType: img.MediaType})
	}
	return out, nil
}

type BatchDeleteImageInput struct {
	RegistryId     string
	RepositoryName string
	ImageIds       []ImageIdentifier
}

type BatchDeleteImageOutput struct {
	ImageIds []ImageIdentifier `json:"imageIds"`
	Failures []ImageFailure    `json:"failures"`
}

// BatchDeleteImage deletes images by digest (with all their tags) and
// removes tags; an image whose last tag goes is deleted, as in ECR. All in
// one transaction.
func (c *Control) BatchDeleteImage(ctx context.Context, in *BatchDeleteImageInput) (*BatchDeleteImageOutput, error) {
	if _, err := c.repo(in.RegistryId, in.RepositoryName); err != nil {
		return nil, err
	}
	if err := checkImageIDs(in.ImageIds); err != nil {
		return nil, err
	}
	var out *BatchDeleteImageOutput
	_, err := c.update(ctx, in.RepositoryName, func(r *repoRecord) error {
		out = &BatchDeleteImageOutput{ImageIds: []ImageIdentifier{}, Failures: []ImageFailure{}}
		for _, id := range in.ImageIds {
			if id.ImageDigest == "" && id.ImageTag == "" {
				out.Failures = append(out.Failures, missingIDFailure(id))
				continue
			}
			img := r.find(id)
			if img == nil {
				out.Failures = append(out.Failures, notFoundFailure(id))
				continue
			}
			out.ImageIds = append(out.ImageIds, r.deleteImage(img.Digest, id.ImageTag)...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteImage removes tag from the image with digest, or the whole image
// when tag is "" or was its last tag, and returns what went.
func (r *repoRecord) deleteImage(digest, tag string) []ImageIdentifier {
	i := slices.IndexFunc(r.Images, func(img imageRecord) bool { return img.Digest == digest })
	img := &r.Images[i]
	if tag != "" && len(img.Tags) > 1 {
		img.Tags = slices.DeleteFunc(img.Tags, func(t string) bool { return t == tag })
		return []ImageIdentifier{{ImageDigest: digest, ImageTag: tag}}
	}
	var gone []ImageIdentifier
	for _, t := range img.Tags {
		gone = append(gone, ImageIdentifier{ImageDigest: digest, ImageTag: t})
	}
	if len(gone) == 0 {
		gone = []ImageIdentifier{{ImageDigest: digest}}
	}
	r.Images = slices.Delete(r.Images, i, i+1)
	return gone
}
