package ecr_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
)

const keepOne = `{"rules":[{"rulePriority":3,"description":"keep one","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`

// TestLifecyclePolicies: a preview expires nothing and says what would go;
// the policy itself expires it; bad policies are refused.
func TestLifecyclePolicies(t *testing.T) {
	e := ecrtest.Start(t, "")
	c := e.Client()
	ctx := context.Background()
	repo := aws.String("web")
	if _, err := c.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: repo}); err != nil {
		t.Fatal(err)
	}
	e.Push(t, "web", "v1", []byte("1"))
	e.Push(t, "web", "v2", []byte("2"))
	newest := e.Push(t, "web", "v3", []byte("3"))

	_, err := c.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: repo})
	awstest.WantCode(t, err, "LifecyclePolicyNotFoundException")
	_, err = c.GetLifecyclePolicyPreview(ctx, &awsecr.GetLifecyclePolicyPreviewInput{RepositoryName: repo})
	awstest.WantCode(t, err, "LifecyclePolicyPreviewNotFoundException")
	_, err = c.StartLifecyclePolicyPreview(ctx, &awsecr.StartLifecyclePolicyPreviewInput{RepositoryName: repo})
	awstest.WantCode(t, err, "LifecyclePolicyNotFoundException")
	_, err = c.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: repo,
		LifecyclePolicyText: aws.String(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)})
	awstest.WantCode(t, err, "InvalidParameterException")

	// The preview: two would go, by rule 3; nothing goes.
	if _, err := c.StartLifecyclePolicyPreview(ctx, &awsecr.StartLifecyclePolicyPreviewInput{RepositoryName: repo, LifecyclePolicyText: aws.String(keepOne)}); err != nil {
		t.Fatal(err)
	}
	pv, err := c.GetLifecyclePolicyPreview(ctx, &awsecr.GetLifecyclePolicyPreviewInput{RepositoryName: repo})
	if err != nil || pv.Status != "COMPLETE" || len(pv.PreviewResults) != 2 || *pv.Summary.ExpiringImageTotalCount != 2 || pv.PreviewResults[0].AppliedRulePriority == nil ||
		*pv.PreviewResults[0].AppliedRulePriority != 3 || pv.PreviewResults[0].Action.Type != "EXPIRE" {
		t.Fatalf("preview: %+v %v", pv, err)
	}
	if got := tagsOf(t, c, "web"); len(got) != 3 {
		t.Fatalf("a preview expired images: %v", got)
	}

	// The policy: the newest stays.
	if _, err := c.PutLifecyclePolicy(ctx, &awsecr.PutLifecyclePolicyInput{RepositoryName: repo, LifecyclePolicyText: aws.String(keepOne)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); len(tagsOf(t, c, "web")) != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the policy never applied: %v", tagsOf(t, c, "web"))
		}
	}
	if _, ok := tagsOf(t, c, "web")[newest]; !ok {
		t.Fatalf("the newest image went: %v", tagsOf(t, c, "web"))
	}
	got, err := c.GetLifecyclePolicy(ctx, &awsecr.GetLifecyclePolicyInput{RepositoryName: repo})
	if err != nil || *got.LifecyclePolicyText != keepOne || got.LastEvaluatedAt == nil {
		t.Fatalf("get-lifecycle-policy: %+v %v", got, err)
	}
	// A push beyond the count expires the older one.
	e.Push(t, "web", "v4", []byte("4"))
	for deadline := time.Now().Add(20 * time.Second); len(tagsOf(t, c, "web")) != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the policy did not apply to a new push: %v", tagsOf(t, c, "web"))
		}
	}
	if _, err := c.DeleteLifecyclePolicy(ctx, &awsecr.DeleteLifecyclePolicyInput{RepositoryName: repo}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLifecyclePolicy(ctx, &awsecr.DeleteLifecyclePolicyInput{RepositoryName: repo})
	awstest.WantCode(t, err, "LifecyclePolicyNotFoundException")
}
