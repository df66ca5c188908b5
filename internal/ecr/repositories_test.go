package ecr_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
)

func TestRepositories(t *testing.T) {
	e := ecrtest.Start(t, "")
	c := e.Client()
	ctx := context.Background()
	out, err := c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("team/web"),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true}, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Repository
	if *r.RepositoryArn != "arn:aws:ecr:us-east-1:000000000000:repository/team/web" || *r.RegistryId != ecrtest.AccountID ||
		*r.RepositoryUri != e.RegistryAddr+"/team/web" || r.ImageTagMutability != types.ImageTagMutabilityMutable ||
		!r.ImageScanningConfiguration.ScanOnPush || r.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 || r.CreatedAt == nil {
		t.Fatalf("created %+v", r)
	}
	for _, name := range []string{"api", "db"} {
		if _, err := c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}

	// Bad requests change nothing.
	rev := e.Store.Revision()
	_, err = c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("api")})
	awstest.WantCode(t, err, "RepositoryAlreadyExistsException")
	for _, bad := range []string{"Upper", "a", "trailing-", "double//slash"} {
		_, err = c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(bad)})
		awstest.WantCode(t, err, "InvalidParameterException")
	}
	_, err = c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"api", "nope"}})
	if e := awstest.WantCode(t, err, "RepositoryNotFoundException"); e.ErrorMessage() != "The repository with name 'nope' does not exist in the registry with id '000000000000'" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	_, err = c.PutImageTagMutability(ctx, &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String("api"), ImageTagMutability: "SOMETIMES"})
	awstest.WantCode(t, err, "InvalidParameterException")
	if got := e.Store.Revision(); got != rev {
		t.Fatalf("rejected requests moved the store from %d to %d", rev, got)
	}

	// Pages, in name order.
	var names []string
	p := awsecr.NewDescribeRepositoriesPaginator(c, &awsecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Repositories {
			names = append(names, *r.RepositoryName)
		}
	}
	if len(names) != 3 || names[0] != "api" || names[1] != "db" || names[2] != "team/web" {
		t.Fatalf("paged listing %v", names)
	}

	// Tags.
	arn := r.RepositoryArn
	if _, err := c.TagResource(ctx, &awsecr.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &awsecr.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	_, err = c.ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:000000000000:repository/nope")})
	awstest.WantCode(t, err, "RepositoryNotFoundException")

	// Settings.
	if _, err := c.PutImageTagMutability(ctx, &awsecr.PutImageTagMutabilityInput{RepositoryName: aws.String("api"), ImageTagMutability: types.ImageTagMutabilityImmutable}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutImageScanningConfiguration(ctx, &awsecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("api"),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true}}); err != nil {
		t.Fatal(err)
	}
	got, _ := c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"api"}})
	if a := got.Repositories[0]; a.ImageTagMutability != types.ImageTagMutabilityImmutable || !a.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("settings not stored: %+v", a)
	}

	// A repository with images is deleted only with force.
	e.Push(t, "db", "v1", []byte("layer"))
	_, err = c.DeleteRepository(ctx, &awsecr.DeleteRepositoryInput{RepositoryName: aws.String("db")})
	awstest.WantCode(t, err, "RepositoryNotEmptyException")
	if _, err := c.DeleteRepository(ctx, &awsecr.DeleteRepositoryInput{RepositoryName: aws.String("db"), Force: true}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRepository(ctx, &awsecr.DeleteRepositoryInput{RepositoryName: aws.String("db")})
	awstest.WantCode(t, err, "RepositoryNotFoundException")
	// Its images went with it: a new repository of that name is empty.
	c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("db")})
	if resp, _, err := e.Get("/v2/db/manifests/v1", ecrtest.ManifestType); err != nil || resp.StatusCode != 404 {
		t.Fatalf("pull from the recreated repository: %v %v", resp, err)
	}
}
