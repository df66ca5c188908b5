package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

// TestRestartKeepsEverything reopens the bolt file a first control plane
// wrote: the API, its stage's frozen config, the VPC link, the key and the
// plan are all there, and the data plane's view is rebuilt from them.
func TestRestartKeepsEverything(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, dep := deployed(t, c, "durable")
	link := availableLink(t, e, "durable")
	key := must[*apigateway.CreateApiKeyOutput](t)(c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("k"), Enabled: true}))
	must[*apigateway.UpdateStageOutput](t)(c.UpdateStage(ctxT(t), &apigateway.UpdateStageInput{RestApiId: aws.String(api), StageName: aws.String("prod"),
		PatchOperations: patch("replace", "/*/*/throttling/rateLimit", "7")}))
	e.Stop()

	e = restapitest.Start(t, restapitest.InDir(e.Dir))
	c = e.Client()
	st := must[*apigateway.GetStageOutput](t)(c.GetStage(ctxT(t), &apigateway.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("prod")}))
	if aws.ToString(st.DeploymentId) != dep || st.MethodSettings["*/*"].ThrottlingRateLimit != 7 {
		t.Fatalf("after a restart the stage is %+v", st)
	}
	snap := e.Control.View().Snapshot()
	prod := snap.API(api).Stages["prod"]
	if prod == nil || prod.Config == nil || len(prod.Config.Resources) != 1 || prod.Config.Resources[0].ResourceMethods["GET"] == nil {
		t.Fatalf("after a restart the view serves %+v", prod)
	}
	if l := snap.VpcLink(link); l == nil || l.Status != restapi.VpcLinkAvailable {
		t.Fatalf("after a restart the link is %+v", l)
	}
	if k := snap.APIKeyByValue(aws.ToString(key.Value)); k == nil || !k.Enabled {
		t.Fatalf("after a restart the key is %+v", k)
	}
}
