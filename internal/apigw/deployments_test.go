package apigw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

// TestDeploymentReadBack: GetDeployment and UpdateDeployment (description,
// the one mutable member); deleted deployments are NotFoundException.
func TestDeploymentReadBack(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()
	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("d"), ProtocolType: types.ProtocolTypeHttp}))

	dep := must[*agw.CreateDeploymentOutput](t)(c.CreateDeployment(ctx, &agw.CreateDeploymentInput{ApiId: api.ApiId, Description: aws.String("v1")}))
	id := aws.ToString(dep.DeploymentId)
	got := must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(got.DeploymentId) != id || aws.ToString(got.Description) != "v1" || got.DeploymentStatus != types.DeploymentStatusDeployed ||
		aws.ToBool(got.AutoDeployed) || got.CreatedDate == nil || !got.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("GetDeployment %+v", got)
	}

	upd := must[*agw.UpdateDeploymentOutput](t)(c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id, Description: aws.String("v1, fixed")}))
	if aws.ToString(upd.Description) != "v1, fixed" || aws.ToString(upd.DeploymentId) != id || !upd.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("UpdateDeployment %+v", upd)
	}
	got = must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(got.Description) != "v1, fixed" || got.DeploymentStatus != types.DeploymentStatusDeployed || !got.CreatedDate.Equal(*dep.CreatedDate) {
		t.Fatalf("GetDeployment after update %+v", got)
	}
	// An update without a description changes nothing.
	same := must[*agw.UpdateDeploymentOutput](t)(c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}))
	if aws.ToString(same.Description) != "v1, fixed" {
		t.Fatalf("empty UpdateDeployment %+v", same)
	}

	// The deployment still serves a stage after its description changed.
	st := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod"), DeploymentId: &id}))
	if aws.ToString(st.DeploymentId) != id {
		t.Fatalf("stage %+v", st)
	}

	// An automatic deployment reads back as one.
	auto := must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	ad := must[*agw.GetDeploymentOutput](t)(c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: auto.DeploymentId}))
	if !aws.ToBool(ad.AutoDeployed) || ad.DeploymentStatus != types.DeploymentStatusDeployed {
		t.Fatalf("automatic deployment %+v", ad)
	}

	_, err := c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: aws.String("nope00")})
	wantCode(t, err, "NotFoundException", "Invalid Deployment identifier specified 000000000000:nope00")
	_, err = c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: aws.String("nope00"), Description: aws.String("x")})
	wantCode(t, err, "NotFoundException", "nope00")
	_, err = c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: aws.String("noapi00000"), DeploymentId: &id})
	wantCode(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:noapi00000")

	if _, err := c.DeleteStage(ctx, &agw.DeleteStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDeployment(ctx, &agw.GetDeploymentInput{ApiId: api.ApiId, DeploymentId: &id})
	wantCode(t, err, "NotFoundException", "Invalid Deployment identifier specified 000000000000:"+id)
	_, err = c.UpdateDeployment(ctx, &agw.UpdateDeploymentInput{ApiId: api.ApiId, DeploymentId: &id, Description: aws.String("back")})
	wantCode(t, err, "NotFoundException", id)
	_, err = c.DeleteDeployment(ctx, &agw.DeleteDeploymentInput{ApiId: api.ApiId, DeploymentId: &id})
	wantCode(t, err, "NotFoundException", id)
}
