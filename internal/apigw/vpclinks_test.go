package apigw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
)

func TestVpcLinksAuthorizersAndTags(t *testing.T) {
	env := apigwtest.Start(t)
	c := env.APIClient()
	ctx := context.Background()

	link := must[*agw.CreateVpcLinkOutput](t)(c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{"subnet-1"}, Tags: map[string]string{"k": "v"}}))
	if link.VpcLinkStatus != types.VpcLinkStatusAvailable || link.VpcLinkVersion != types.VpcLinkVersionV2 {
		t.Fatalf("link %+v", link)
	}
	_, err := c.CreateVpcLink(ctx, &agw.CreateVpcLinkInput{Name: aws.String("l"), SubnetIds: []string{}})
	wantCode(t, err, "BadRequestException", "SubnetIds")
	must[*agw.UpdateVpcLinkOutput](t)(c.UpdateVpcLink(ctx, &agw.UpdateVpcLinkInput{VpcLinkId: link.VpcLinkId, Name: aws.String("l2")}))
	links := must[*agw.GetVpcLinksOutput](t)(c.GetVpcLinks(ctx, &agw.GetVpcLinksInput{}))
	if len(links.Items) != 1 || aws.ToString(links.Items[0].Name) != "l2" {
		t.Fatalf("links %+v", links.Items)
	}

	api := must[*agw.CreateApiOutput](t)(c.CreateApi(ctx, &agw.CreateApiInput{Name: aws.String("a"), ProtocolType: types.ProtocolTypeHttp}))
	authz := must[*agw.CreateAuthorizerOutput](t)(c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("jwt"),
		AuthorizerType: types.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example"), Audience: []string{"aud"}}}))
	_, err = c.CreateAuthorizer(ctx, &agw.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("bad"), AuthorizerType: types.AuthorizerTypeJwt,
		IdentitySource: []string{"$request.header.Authorization"}})
	wantCode(t, err, "BadRequestException", "jwtConfiguration")
	route := must[*agw.CreateRouteOutput](t)(c.CreateRoute(ctx, &agw.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /me"),
		AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: authz.AuthorizerId, AuthorizationScopes: []string{"read"}}))
	if aws.ToString(route.AuthorizerId) != aws.ToString(authz.AuthorizerId) {
		t.Fatalf("route %+v", route)
	}
	_, err = c.DeleteAuthorizer(ctx, &agw.DeleteAuthorizerInput{ApiId: api.ApiId, AuthorizerId: authz.AuthorizerId})
	wantCode(t, err, "ConflictException", "in use")

	// Tags on an API, a stage and a VPC link, by ARN.
	must[*agw.CreateStageOutput](t)(c.CreateStage(ctx, &agw.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}))
	for _, arn := range []string{
		"arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId),
		"arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId) + "/stages/prod",
		"arn:aws:apigateway:us-east-1::/vpclinks/" + aws.ToString(link.VpcLinkId),
	} {
		t.Run(arn, func(t *testing.T) {
			must[*agw.TagResourceOutput](t)(c.TagResource(ctx, &agw.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}}))
			must[*agw.UntagResourceOutput](t)(c.UntagResource(ctx, &agw.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a"}}))
			got := must[*agw.GetTagsOutput](t)(c.GetTags(ctx, &agw.GetTagsInput{ResourceArn: &arn}))
			if got.Tags["b"] != "2" || got.Tags["a"] != "" {
				t.Fatalf("tags %v", got.Tags)
			}
		})
	}
	stage := must[*agw.GetStageOutput](t)(c.GetStage(ctx, &agw.GetStageInput{ApiId: api.ApiId, StageName: aws.String("prod")}))
	if stage.Tags["b"] != "2" {
		t.Fatalf("stage tags %v", stage.Tags)
	}
	_, err = c.GetTags(ctx, &agw.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/nope")})
	wantCode(t, err, "NotFoundException", "nope")

	if _, err := c.DeleteVpcLink(ctx, &agw.DeleteVpcLinkInput{VpcLinkId: link.VpcLinkId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVpcLink(ctx, &agw.GetVpcLinkInput{VpcLinkId: link.VpcLinkId})
	wantCode(t, err, "NotFoundException", "VpcLink")
}
