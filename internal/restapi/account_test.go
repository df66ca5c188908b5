package restapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func TestAccount(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	a := must[*apigateway.GetAccountOutput](t)(c.GetAccount(ctxT(t), &apigateway.GetAccountInput{}))
	if a.ThrottleSettings == nil || a.ThrottleSettings.BurstLimit != 5000 || a.ThrottleSettings.RateLimit != 10000 || a.CloudwatchRoleArn != nil {
		t.Fatalf("a new account: %+v", a)
	}
	role := "arn:aws:iam::000000000000:role/apigw-logs"
	u := must[*apigateway.UpdateAccountOutput](t)(c.UpdateAccount(ctxT(t), &apigateway.UpdateAccountInput{PatchOperations: patch("replace", "/cloudwatchRoleArn", role)}))
	if aws.ToString(u.CloudwatchRoleArn) != role || u.ThrottleSettings.RateLimit != 10000 {
		t.Fatalf("UpdateAccount answered %+v", u)
	}
	e.AwaitSnapshot(t, func(s *restapi.Snapshot) bool { return s.Account().CloudwatchRoleArn == role })
	unchanged(t, e, "BadRequestException", "role ARN", func() error {
		_, err := c.UpdateAccount(ctxT(t), &apigateway.UpdateAccountInput{PatchOperations: patch("replace", "/cloudwatchRoleArn", "logs-role")})
		return err
	})
	unchanged(t, e, "BadRequestException", "Invalid patch path", func() error {
		_, err := c.UpdateAccount(ctxT(t), &apigateway.UpdateAccountInput{PatchOperations: patch("replace", "/throttleSettings/rateLimit", "1")})
		return err
	})
}

func TestTags(t *testing.T) {
	e := restapitest.Start(t)
	c := e.Client()
	api, _ := deployed(t, c, "tagged")
	link := availableLink(t, e, "tagged")
	key := must[*apigateway.CreateApiKeyOutput](t)(c.CreateApiKey(ctxT(t), &apigateway.CreateApiKeyInput{Name: aws.String("k")}))
	plan := must[*apigateway.CreateUsagePlanOutput](t)(c.CreateUsagePlan(ctxT(t), &apigateway.CreateUsagePlanInput{Name: aws.String("p")}))
	arn := func(path string) string { return "arn:aws:apigateway:us-east-1::" + path }
	for _, res := range []string{"/restapis/" + api, "/restapis/" + api + "/stages/prod", "/vpclinks/" + link,
		"/apikeys/" + aws.ToString(key.Id), "/usageplans/" + aws.ToString(plan.Id)} {
		t.Run(res, func(t *testing.T) {
			must[*apigateway.TagResourceOutput](t)(c.TagResource(ctxT(t), &apigateway.TagResourceInput{ResourceArn: aws.String(arn(res)), Tags: map[string]string{"a": "1", "b": "2"}}))
			must[*apigateway.UntagResourceOutput](t)(c.UntagResource(ctxT(t), &apigateway.UntagResourceInput{ResourceArn: aws.String(arn(res)), TagKeys: []string{"a"}}))
			got := must[*apigateway.GetTagsOutput](t)(c.GetTags(ctxT(t), &apigateway.GetTagsInput{ResourceArn: aws.String(arn(res))}))
			if len(got.Tags) != 1 || got.Tags["b"] != "2" {
				t.Fatalf("tags %v, want b=2", got.Tags)
			}
		})
	}
	// The tags live in the records themselves: GetRestApi shows them.
	if got := must[*apigateway.GetRestApiOutput](t)(c.GetRestApi(ctxT(t), &apigateway.GetRestApiInput{RestApiId: aws.String(api)})); got.Tags["b"] != "2" {
		t.Fatalf("GetRestApi tags %v", got.Tags)
	}
	for _, tc := range []struct{ arn, code, msg string }{
		{arn("/restapis/nope"), "NotFoundException", ""},
		{arn("/restapis/" + api + "/resources/x"), "BadRequestException", "cannot be tagged"},
		{"arn:aws:ecs:us-east-1:000000000000:cluster/x", "BadRequestException", "Invalid ARN"},
		{"restapis/" + api, "BadRequestException", "Invalid ARN"},
	} {
		unchanged(t, e, tc.code, tc.msg, func() error {
			_, err := c.TagResource(ctxT(t), &apigateway.TagResourceInput{ResourceArn: aws.String(tc.arn), Tags: map[string]string{"a": "1"}})
			return err
		})
	}
	unchanged(t, e, "BadRequestException", "reserved", func() error {
		_, err := c.TagResource(ctxT(t), &apigateway.TagResourceInput{ResourceArn: aws.String(arn("/restapis/" + api)), Tags: map[string]string{"aws:cloudformation:x": "1"}})
		return err
	})
}
