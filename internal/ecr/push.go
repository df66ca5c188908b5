package ecr

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/portolan/portolan/internal/awsapi"
)

// Push is a manifest the registry accepted: ECR records it as an image of
// the repository, tagged Tag if that is not "".
type Push struct {
	Repository string
	Tag        string
	Digest     string
	MediaType  string
	Manifest   []byte
}

// RecordPush makes a pushed manifest an image of its repository: a new
// image, or a new tag of an image it already has. A tag held by another
// image moves, unless the repository is IMMUTABLE.
func (c *Control) RecordPush(ctx context.Context, p Push) error {
	_, err := c.update(ctx, p.Repository, func(r *repoRecord) error { return c.put(r, p) })
	return err
}

// CheckPush says, from the current snapshot, whether pushing digest as tag
// would be refused for the repository's immutability: the registry asks
// before storing a manifest, RecordPush decides.
func (c *Control) CheckPush(repo, tag, digest string) error {
	r := c.snapshot().Repos[repo]
	if r == nil {
		return c.repositoryNotFound(repo)
	}
	return c.checkImmutable(r, tag, digest)
}

func (c *Control) checkImmutable(r *repoRecord, tag, digest string) error {
	if tag == "" || r.ImageTagMutability != Immutable {
		return nil
	}
	if held := r.tagged(tag); held != nil && held.Digest != digest {
		return ErrImageTagAlreadyExists.Newf("The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.", tag, r.RepositoryName)
	}
	return nil
}

func (c *Control) put(r *repoRecord, p Push) error {
	if err := c.checkImmutable(r, p.Tag, p.Digest); err != nil {
		return err
	}
	if p.Tag != "" {
		if held := r.tagged(p.Tag); held != nil && held.Digest != p.Digest {
			held.Tags = slices.DeleteFunc(held.Tags, func(t string) bool { return t == p.Tag })
		}
	}
	img := r.image(p.Digest)
	if img == nil {
		m := parseManifest(p.Manifest)
		r.Images = append(r.Images, imageRecord{Digest: p.Digest, Size: m.size(), PushedAt: awsapi.Now(),
			MediaType: cmp.Or(p.MediaType, m.MediaType), ArtifactMediaType: m.Config.MediaType, Manifest: string(p.Manifest)})
		img = &r.Images[len(r.Images)-1]
	}
	if p.Tag != "" && !slices.Contains(img.Tags, p.Tag) {
		img.Tags = append(img.Tags, p.Tag)
	}
	return nil
}

// manifest is what ECR reads of a manifest: its media type and sizes.
type manifest struct {
	MediaType string `json:"mediaType"`
	Config    struct {
		MediaType string `json:"mediaType"`
		Size      int64  `json:"size"`
	} `json:"config"`
	Layers    []struct{ Size int64 } `json:"layers"`
	Manifests []struct{ Size int64 } `json:"manifests"`
}

// parseManifest reads what it can; the registry has validated the manifest.
func parseManifest(b []byte) manifest {
	var m manifest
	_ = json.Unmarshal(b, &m)
	return m
}

// size is imageSizeInBytes: the compressed layers (of an index, the
// manifests it lists).
func (m manifest) size() int64 {
	var n int64
	for _, l := range m.Layers {
		n += l.Size
	}
	for _, l := range m.Manifests {
		n += l.Size
	}
	return n
}

// Digest is the digest of a manifest's bytes, as registries name it.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

type PutImageInput struct {
	RegistryId             string
	RepositoryName         string
	ImageManifest          string
	ImageManifestMediaType string
	ImageTag               string
	ImageDigest            string
}

type PutImageOutput struct {
	Image Image `json:"image"`
}

// PutImage records a manifest (retagging an image, as `aws ecr put-image`
// does). Its layers must already be in the registry: here, the manifest
// must be one the repository has (same digest).
func (c *Control) PutImage(ctx context.Context, in *PutImageInput) (*PutImageOutput, error) {
	r, err := c.repo(in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.ImageManifest == "" {
		return nil, constraint("imageManifest", "Member must not be null")
	}
	digest := Digest([]byte(in.ImageManifest))
	if in.ImageDigest != "" && in.ImageDigest != digest {
		return nil, invalidParameter("Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The digest does not match the manifest'")
	}
	if r.image(digest) == nil {
		return nil, ErrImageNotFound.Newf("Some of the layers or manifests referenced by this image are not in the repository '%s'", in.RepositoryName)
	}
	if in.ImageTag != "" {
		if held := r.tagged(in.ImageTag); held != nil && held.Digest == digest {
			return nil, ErrImageAlreadyExists.Newf("Image with digest '%s' and tag '%s' already exists in the repository with name '%s' in registry with id '%s'",
				digest, in.ImageTag, in.RepositoryName, c.cfg.AccountID)
		}
		if err := c.checkImmutable(r, in.ImageTag, digest); err != nil {
			return nil, err
		}
	}
	err = c.RecordPush(ctx, Push{Repository: in.RepositoryName, Tag: in.ImageTag, Digest: digest, MediaType: in.ImageManifestMediaType, Manifest: []byte(in.ImageManifest)})
	if err != nil {
		return nil, err
	}
	return &PutImageOutput{Image{RegistryId: c.cfg.AccountID, RepositoryName: in.RepositoryName,
		ImageId: ImageIdentifier{ImageDigest: digest, ImageTag: in.ImageTag}, ImageManifest: in.ImageManifest, ImageManifestMediaType: in.ImageManifestMediaType}}, nil
}

// HasRepository says whether the repository exists now.
func (s *Snapshot) HasRepository(name string) bool { return s != nil && s.Repos[name] != nil }

// Resolve returns the digest of the image that reference (a tag or a
// digest) names in the repository, if there is one.
func (s *Snapshot) Resolve(repo, reference string) (string, bool) {
	if s == nil || s.Repos[repo] == nil {
		return "", false
	}
	r := s.Repos[repo]
	img := r.image(reference)
	if img == nil {
		img = r.tagged(reference)
	}
	if img == nil {
		return "", false
	}
	return img.Digest, true
}

// Tags lists the repository's tags.
func (s *Snapshot) Tags(repo string) []string {
	var tags []string
	if r := s.Repos[repo]; r != nil {
		for _, img := range r.Images {
			tags = append(tags, img.Tags...)
		}
	}
	slices.Sort(tags)
	return tags
}
