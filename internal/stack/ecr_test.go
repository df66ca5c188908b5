package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
	"github.com/portolan/portolan/internal/stack"
)

const ecrTemplate = `
Resources:
  Repo:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: poc_web
      ImageTagMutability: IMMUTABLE
      ImageScanningConfiguration: {ScanOnPush: true}
      LifecyclePolicy:
        LifecyclePolicyText: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}'
      Tags: [{Key: team, Value: a}]
  Unnamed:
    Type: AWS::ECR::Repository
Outputs:
  Name: {Value: !Ref Repo}
  Arn: {Value: !GetAtt Repo.Arn}
  Uri: {Value: !GetAtt Repo.RepositoryUri}
  Unnamed: {Value: !Ref Unnamed}
`

// TestECRRepository: a template's repositories are created with their
// settings and lifecycle policy, updated in place, and destroyed.
func TestECRRepository(t *testing.T) {
	env := ecrtest.Start(t, "")
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: ecrtest.AccountID, Store: env.Store, ECR: env.ECR})
	c := env.Client()
	ctx := context.Background()
	deploy := func(tpl string) *stack.Stack {
		t.Helper()
		var events []stack.Event
		st, err := d.Deploy(ctx, stack.DeployInput{StackName: "reg", Template: []byte(tpl)}, func(e stack.Event) { events = append(events, e) })
		if err != nil {
			t.Fatalf("deploy: %v\n%v", err, events)
		}
		return st
	}
	st := deploy(ecrTemplate)
	if output(st, "Name") != "poc_web" || output(st, "Arn") != "arn:aws:ecr:us-east-1:000000000000:repository/poc_web" ||
		output(st, "Uri") != env.RegistryAddr+"/poc_web" || !strings.HasPrefix(output(st, "Unnamed"), "reg-unnamed-") {
		t.Fatalf("outputs %+v", st.Outputs)
	}
	repos, err := c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"poc_web"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := repos.Repositories[0]; r.ImageTagMutability != "IMMUTABLE" || !r.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("repository %+v", r)
	}
	pol, err := c.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String("poc_web")})
	if err != nil || !strings.Contains(aws.ToString(pol.LifecyclePolicyText), `"countNumber":2`) {
		t.Fatalf("lifecycle policy: %+v %v", pol, err)
	}

	// In place: mutability, no policy, other tags.
	updated := strings.NewReplacer("ImageTagMutability: IMMUTABLE", "ImageTagMutability: MUTABLE",
		"      LifecyclePolicy:\n        LifecyclePolicyText: '{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":2},\"action\":{\"type\":\"expire\"}}]}'\n", "",
		"Tags: [{Key: team, Value: a}]", "Tags: [{Key: owner, Value: b}]").Replace(ecrTemplate)
	st = deploy(updated)
	repos, _ = c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{RepositoryNames: []string{"poc_web"}})
	if repos.Repositories[0].ImageTagMutability != "MUTABLE" {
		t.Fatalf("after the update: %+v", repos.Repositories[0])
	}
	if _, err := c.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: aws.String("poc_web")}); err == nil {
		t.Fatal("the lifecycle policy outlived its removal from the template")
	}
	tags, err := c.ListTagsForResource(ctx, &awsecr.ListTagsForResourceInput{ResourceArn: aws.String(output(st, "Arn"))})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "owner" {
		t.Fatalf("tags after the update: %+v %v", tags, err)
	}

	if err := d.Destroy(ctx, "reg", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	all, err := c.DescribeRepositories(ctx, &awsecr.DescribeRepositoriesInput{})
	if err != nil || len(all.Repositories) != 0 {
		t.Fatalf("after destroy: %+v %v", all, err)
	}
}
