package ecr_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
)

func tagsOf(t *testing.T, c *awsecr.Client, repo string) map[string][]string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &awsecr.DescribeImagesInput{RepositoryName: aws.String(repo)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for _, d := range out.ImageDetails {
		m[*d.ImageDigest] = d.ImageTags
	}
	return m
}

// TestImages: what the registry accepts is what ECR describes, lists,
// gets and deletes; a tag moves between images; what is deleted cannot be
// pulled.
func TestImages(t *testing.T) {
	e := ecrtest.Start(t, "")
	c := e.Client()
	ctx := context.Background()
	if _, err := c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	a := e.Push(t, "web", "latest", []byte("layer a"))
	e.Push(t, "web", "v1", []byte("layer a")) // the same image, a second tag
	b := e.Push(t, "web", "latest", []byte("layer b"))
	u := e.Push(t, "web", "", []byte("layer u")) // by digest: untagged
	if got := tagsOf(t, c, "web"); !slices.Equal(got[a], []string{"v1"}) || !slices.Equal(got[b], []string{"latest"}) || got[u] != nil || len(got) != 3 {
		t.Fatalf("images %v (a %s, b %s, u %s)", got, a, b, u)
	}

	d, _ := c.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("latest")}}})
	if len(d.ImageDetails) != 1 || *d.ImageDetails[0].ImageDigest != b || *d.ImageDetails[0].ImageSizeInBytes != int64(len("layer b")) ||
		*d.ImageDetails[0].ImageManifestMediaType != ecrtest.ManifestType {
		t.Fatalf("describe latest: %+v", d.ImageDetails)
	}
	_, err := c.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("nope")}}})
	awstest.WantCode(t, err, "ImageNotFoundException")
	_, err = c.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String("nope")})
	awstest.WantCode(t, err, "RepositoryNotFoundException")

	for filter, want := range map[types.TagStatus]int{types.TagStatusTagged: 2, types.TagStatusUntagged: 1, types.TagStatusAny: 3} {
		l, err := c.ListImages(ctx, &awsecr.ListImagesInput{RepositoryName: aws.String("web"), Filter: &types.ListImagesFilter{TagStatus: filter}})
		if err != nil || len(l.ImageIds) != want {
			t.Errorf("list-images %s: %+v %v, want %d ids", filter, l, err, want)
		}
	}

	// BatchGetImage: the manifest the registry holds, and a failure.
	g, err := c.BatchGetImage(ctx, &awsecr.BatchGetImageInput{RepositoryName: aws.String("web"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("latest")}, {ImageTag: aws.String("gone")}}})
	if err != nil || len(g.Images) != 1 || len(g.Failures) != 1 || g.Failures[0].FailureCode != types.ImageFailureCodeImageNotFound {
		t.Fatalf("batch-get-image: %+v %v", g, err)
	}
	_, pulled, err := e.Get("/v2/web/manifests/latest", ecrtest.ManifestType)
	if err != nil || string(pulled) != *g.Images[0].ImageManifest {
		t.Fatalf("the manifest BatchGetImage returns is not the one pulled: %v\n%s\n%s", err, pulled, *g.Images[0].ImageManifest)
	}

	// PutImage retags: the manifest of latest, as "stable".
	if _, err := c.PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String("web"), ImageManifest: g.Images[0].ImageManifest, ImageTag: aws.String("stable")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String("web"), ImageManifest: g.Images[0].ImageManifest, ImageTag: aws.String("stable")})
	awstest.WantCode(t, err, "ImageAlreadyExistsException")

	// The registry's tag list is ECR's.
	_, body, _ := e.Get("/v2/web/tags/list", "")
	var list struct{ Tags []string }
	json.Unmarshal(body, &list)
	if !slices.Equal(list.Tags, []string{"latest", "stable", "v1"}) {
		t.Fatalf("tags/list %s", body)
	}

	// BatchDeleteImage: a tag of an image with two goes alone; a digest
	// takes the image with its tags; the last tag takes the image.
	del, err := c.BatchDeleteImage(ctx, &awsecr.BatchDeleteImageInput{RepositoryName: aws.String("web"), ImageIds: []types.ImageIdentifier{
		{ImageTag: aws.String("stable")}, {ImageDigest: aws.String(u)}, {ImageTag: aws.String("v1")}, {ImageTag: aws.String("nope")}}})
	if err != nil || len(del.ImageIds) != 3 || len(del.Failures) != 1 {
		t.Fatalf("batch-delete-image: %+v %v", del, err)
	}
	if got := tagsOf(t, c, "web"); len(got) != 1 || !slices.Equal(got[b], []string{"latest"}) {
		t.Fatalf("after the delete: %v", got)
	}
	for _, ref := range []string{"v1", a, u} {
		if resp, _, err := e.Get("/v2/web/manifests/"+ref, ecrtest.ManifestType); err != nil || resp.StatusCode != 404 {
			t.Errorf("pull of deleted %s: %v %v", ref, resp, err)
		}
	}

	// IMMUTABLE: latest cannot move; a new tag can be pushed.
	c.PutImageTagMutability(ctx, &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String("web"), ImageTagMutability: types.ImageTagMutabilityImmutable})
	if status, _, err := e.TryPush("web", "latest", []byte("layer c")); err != nil || status != 400 {
		t.Fatalf("push over an immutable tag: %d %v", status, err)
	}
	e.Push(t, "web", "v2", []byte("layer c"))
	if got := tagsOf(t, c, "web"); len(got) != 2 || !slices.Equal(got[b], []string{"latest"}) {
		t.Fatalf("after the immutable pushes: %v", got)
	}
	// A repository that does not exist takes no push.
	if _, _, err := e.TryPush("nope", "v1", []byte("x")); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("push to a missing repository: %v", err)
	}
}

func TestImageFilterChecked(t *testing.T) {
	e := ecrtest.Start(t, "")
	c := e.Client()
	ctx := context.Background()
	c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("empty")})
	_, err := c.ListImages(ctx, &awsecr.ListImagesInput{RepositoryName: aws.String("empty"), Filter: &types.ListImagesFilter{TagStatus: "SOME"}})
	awstest.WantCode(t, err, "InvalidParameterException")
	_, err = c.DescribeImages(ctx, &awsecr.DescribeImagesInput{RepositoryName: aws.String("empty"), Filter: &types.DescribeImagesFilter{TagStatus: "SOME"}})
	awstest.WantCode(t, err, "InvalidParameterException")
}
